using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Pipeline;

/// <summary>A photo to look at, with each present file and its size as indexed (copies may differ in their
/// metadata).</summary>
public sealed record PendingPhoto(long Id, IReadOnlyList<(string Path, long Size)> Files)
{
    public IEnumerable<string> Paths => Files.Select(f => f.Path);
}

/// <summary>The pipeline's SQL: what is pending, and the results, written in one transaction per photo.</summary>
public static class PhotoStore
{
    public static List<PendingPhoto> NextPending(SqliteConnection connection, long afterId, int limit)
    {
        using var command = connection.Command(
            """
            SELECT p.id, f.size, f.path FROM photos p JOIN files f ON f.photo_id = p.id AND f.state = 'present'
            WHERE p.state = 'pending' AND p.removed_at IS NULL
              AND p.id IN (SELECT id FROM photos WHERE state = 'pending' AND removed_at IS NULL AND id > $after ORDER BY id LIMIT $limit)
            ORDER BY p.id, f.id
            """,
            null,
            ("$after", afterId),
            ("$limit", limit)
        );
        using var reader = command.ExecuteReader();
        var photos = new List<PendingPhoto>();
        while (reader.Read())
        {
            var id = reader.GetInt64(0);
            if (photos.Count == 0 || photos[^1].Id != id)
            {
                photos.Add(new PendingPhoto(id, new List<(string, long)>()));
            }
            ((List<(string, long)>)photos[^1].Files).Add((reader.GetString(2), reader.GetInt64(1)));
        }
        return photos;
    }

    /// <summary>
    /// Replaces the photo's earlier results, if any, with these: all or nothing. When the photo had faces
    /// (a new version after an edit, or a rotation), each new face takes over the old face it matches, so
    /// its person, the owner's confirmation or rejection and "not this person" stay; old faces that match
    /// nothing go.
    /// </summary>
    public static void Save(
        SqliteConnection connection,
        long photoId,
        Analysis analysis,
        string? preview,
        IReadOnlyList<string?> thumbnails,
        string now
    )
    {
        using var transaction = connection.BeginTransaction();
        connection.Execute("DELETE FROM objects WHERE photo_id = $id", transaction, ("$id", photoId));
        var carried = FaceMatch.Match(connection, transaction, photoId, analysis);
        connection.Execute(
            """
            DELETE FROM faces WHERE photo_id = $id AND id NOT IN (SELECT value FROM json_each($kept))
            """,
            transaction,
            ("$id", photoId),
            ("$kept", System.Text.Json.JsonSerializer.Serialize(carried.Where(c => c is not null)))
        );
        using (
            var insert = connection.Command(
                "INSERT INTO objects (photo_id, label, confidence, x, y, w, h) VALUES ($p, $l, $c, $x, $y, $w, $h)",
                transaction,
                ("$p", photoId),
                ("$l", ""),
                ("$c", 0.0),
                ("$x", 0.0),
                ("$y", 0.0),
                ("$w", 0.0),
                ("$h", 0.0)
            )
        )
        {
            foreach (var o in analysis.Objects)
            {
                Bind(
                    insert,
                    ("$l", o.Label),
                    ("$c", o.Confidence),
                    ("$x", o.Box.X1),
                    ("$y", o.Box.Y1),
                    ("$w", o.Box.Width),
                    ("$h", o.Box.Height)
                );
                insert.ExecuteNonQuery();
            }
        }
        using (
            var insert = connection.Command(
                """
                INSERT INTO faces (id, photo_id, x, y, w, h, landmarks, confidence, size_px, sharpness, embedder, embedding, thumbnail)
                VALUES ($id, $p, $x, $y, $w, $h, $lm, $c, $s, $sh, $m, $e, $t)
                ON CONFLICT (id) DO UPDATE SET x = $x, y = $y, w = $w, h = $h, landmarks = $lm, confidence = $c, size_px = $s,
                    sharpness = $sh, embedder = $m, embedding = $e, thumbnail = $t
                """,
                transaction,
                ("$id", null),
                ("$p", photoId),
                ("$x", 0.0),
                ("$y", 0.0),
                ("$w", 0.0),
                ("$h", 0.0),
                ("$lm", Array.Empty<byte>()),
                ("$c", 0.0),
                ("$s", 0.0),
                ("$sh", 0.0),
                ("$m", null),
                ("$e", null),
                ("$t", null)
            )
        )
        {
            for (var i = 0; i < analysis.Faces.Count; i++)
            {
                insert.Parameters["$id"].Value = carried[i] ?? (object)DBNull.Value;
                var f = analysis.Faces[i];
                var landmarks = f.Landmarks.SelectMany(p => new[] { p.X, p.Y }).ToArray();
                Bind(
                    insert,
                    ("$x", f.Box.X1),
                    ("$y", f.Box.Y1),
                    ("$w", f.Box.Width),
                    ("$h", f.Box.Height),
                    ("$lm", MemoryMarshal.AsBytes(landmarks.AsSpan()).ToArray()),
                    ("$c", f.Confidence),
                    ("$s", f.SizePx),
                    ("$sh", f.Sharpness),
                    ("$m", f.Embedding is null ? null : analysis.Embedder),
                    ("$e", f.Embedding is null ? null : MemoryMarshal.AsBytes(f.Embedding.AsSpan()).ToArray()),
                    ("$t", thumbnails[i])
                );
                insert.ExecuteNonQuery();
            }
        }
        connection.Execute(
            """
            UPDATE photos SET state = 'analyzed', error = NULL, width = $w, height = $h, orientation = $o, analyzed_at = $now,
                updated_at = $now, preview = $preview, taken_at = $taken, metadata_changed_at = NULL WHERE id = $id
            """,
            transaction,
            ("$w", analysis.Width),
            ("$h", analysis.Height),
            ("$o", analysis.Orientation),
            ("$now", now),
            ("$taken", analysis.TakenAt),
            ("$preview", preview),
            ("$id", photoId)
        );
        transaction.Commit();
    }

    /// <summary>Analysed photos whose metadata another program changed, with their present paths.</summary>
    public static List<PendingPhoto> MetadataChanged(SqliteConnection connection, int limit)
    {
        var rows = connection.Rows(
            """
            SELECT p.id, f.size, f.path FROM photos p JOIN files f ON f.photo_id = p.id AND f.state = 'present'
            WHERE p.metadata_changed_at IS NOT NULL AND p.state = 'analyzed' AND p.removed_at IS NULL
              AND p.id IN (SELECT id FROM photos WHERE metadata_changed_at IS NOT NULL AND state = 'analyzed' LIMIT $limit)
            ORDER BY p.id, f.id
            """,
            r => (Id: r.GetInt64(0), Size: r.GetInt64(1), Path: r.GetString(2)),
            null,
            ("$limit", limit)
        );
        return rows.GroupBy(r => r.Id)
            .Select(g => new PendingPhoto(g.Key, g.Select(r => (r.Path, r.Size)).ToList()))
            .ToList();
    }

    /// <summary>
    /// The header after another program's edit: a new date is taken as it is; a new orientation or size
    /// (a rotation in metadata) moves every face, so the photo is analysed again (faces matched, decisions kept).
    /// </summary>
    public static bool RefreshHeader(SqliteConnection connection, long photoId, Imaging.PhotoHeader? header, string now)
    {
        var stored = connection.Rows(
            "SELECT width, height, coalesce(orientation, 1) FROM photos WHERE id = $id",
            r => (W: r.GetNullableInt64(0), H: r.GetNullableInt64(1), O: r.GetInt64(2)),
            null,
            ("$id", photoId)
        );
        var moved =
            header is not null
            && stored.Count == 1
            && (stored[0].W != header.Width || stored[0].H != header.Height || stored[0].O != header.Orientation);
        connection.Execute(
            moved
                ? "UPDATE photos SET state = 'pending', version = version + 1, metadata_changed_at = NULL, updated_at = $now WHERE id = $id"
                : "UPDATE photos SET taken_at = coalesce($taken, taken_at), metadata_changed_at = NULL, updated_at = $now WHERE id = $id",
            null,
            ("$id", photoId),
            ("$now", now),
            ("$taken", header?.TakenAt)
        );
        return moved;
    }

    /// <summary>A failed photo is analysed again; false when it is not a failed photo.</summary>
    public static bool Retry(SqliteConnection connection, long photoId, string now) =>
        connection.Execute(
            "UPDATE photos SET state = 'pending', error = NULL, updated_at = $now WHERE id = $id AND state = 'failed'",
            null,
            ("$now", now),
            ("$id", photoId)
        ) == 1;

    public static void Fail(SqliteConnection connection, long photoId, string reason, string now) =>
        connection.Execute(
            "UPDATE photos SET state = 'failed', error = $e, updated_at = $now WHERE id = $id",
            null,
            ("$e", reason),
            ("$now", now),
            ("$id", photoId)
        );

    private static void Bind(SqliteCommand command, params (string Name, object? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            command.Parameters[name].Value = value ?? DBNull.Value;
        }
    }
}
