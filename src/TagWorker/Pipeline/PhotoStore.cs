using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Pipeline;

public sealed record PendingPhoto(long Id, long Size, IReadOnlyList<string> Paths);

/// <summary>The pipeline's SQL: what is pending, and the results, written in one transaction per photo.</summary>
public static class PhotoStore
{
    public static List<PendingPhoto> NextPending(SqliteConnection connection, long afterId, int limit)
    {
        using var command = connection.Command("""
            SELECT p.id, p.size, f.path FROM photos p JOIN files f ON f.photo_id = p.id AND f.state = 'present'
            WHERE p.state = 'pending' AND p.removed_at IS NULL
              AND p.id IN (SELECT id FROM photos WHERE state = 'pending' AND removed_at IS NULL AND id > $after ORDER BY id LIMIT $limit)
            ORDER BY p.id, f.id
            """, null, ("$after", afterId), ("$limit", limit));
        using var reader = command.ExecuteReader();
        var photos = new List<PendingPhoto>();
        while (reader.Read())
        {
            var id = reader.GetInt64(0);
            if (photos.Count == 0 || photos[^1].Id != id)
            {
                photos.Add(new PendingPhoto(id, reader.GetInt64(1), new List<string>()));
            }
            ((List<string>)photos[^1].Paths).Add(reader.GetString(2));
        }
        return photos;
    }

    /// <summary>Replaces the photo's earlier results, if any, with these: all or nothing.</summary>
    public static void Save(SqliteConnection connection, long photoId, Analysis analysis, string? preview, IReadOnlyList<string?> thumbnails, string now)
    {
        using var transaction = connection.BeginTransaction();
        connection.Execute("DELETE FROM objects WHERE photo_id = $id", transaction, ("$id", photoId));
        connection.Execute("DELETE FROM faces WHERE photo_id = $id", transaction, ("$id", photoId));
        using (var insert = connection.Command("INSERT INTO objects (photo_id, label, confidence, x, y, w, h) VALUES ($p, $l, $c, $x, $y, $w, $h)", transaction,
            ("$p", photoId), ("$l", ""), ("$c", 0.0), ("$x", 0.0), ("$y", 0.0), ("$w", 0.0), ("$h", 0.0)))
        {
            foreach (var o in analysis.Objects)
            {
                Bind(insert, ("$l", o.Label), ("$c", o.Confidence), ("$x", o.Box.X1), ("$y", o.Box.Y1), ("$w", o.Box.Width), ("$h", o.Box.Height));
                insert.ExecuteNonQuery();
            }
        }
        using (var insert = connection.Command("""
            INSERT INTO faces (photo_id, x, y, w, h, landmarks, confidence, size_px, sharpness, embedder, embedding, thumbnail)
            VALUES ($p, $x, $y, $w, $h, $lm, $c, $s, $sh, $m, $e, $t)
            """, transaction, ("$p", photoId), ("$x", 0.0), ("$y", 0.0), ("$w", 0.0), ("$h", 0.0), ("$lm", Array.Empty<byte>()), ("$c", 0.0),
            ("$s", 0.0), ("$sh", 0.0), ("$m", null), ("$e", null), ("$t", null)))
        {
            for (var i = 0; i < analysis.Faces.Count; i++)
            {
                var f = analysis.Faces[i];
                var landmarks = f.Landmarks.SelectMany(p => new[] { p.X, p.Y }).ToArray();
                Bind(insert, ("$x", f.Box.X1), ("$y", f.Box.Y1), ("$w", f.Box.Width), ("$h", f.Box.Height),
                    ("$lm", MemoryMarshal.AsBytes(landmarks.AsSpan()).ToArray()), ("$c", f.Confidence), ("$s", f.SizePx), ("$sh", f.Sharpness),
                    ("$m", f.Embedding is null ? null : analysis.Embedder),
                    ("$e", f.Embedding is null ? null : MemoryMarshal.AsBytes(f.Embedding.AsSpan()).ToArray()), ("$t", thumbnails[i]));
                insert.ExecuteNonQuery();
            }
        }
        connection.Execute("""
            UPDATE photos SET state = 'analyzed', error = NULL, width = $w, height = $h, orientation = $o, analyzed_at = $now,
                updated_at = $now, preview = $preview, taken_at = $taken WHERE id = $id
            """, transaction, ("$w", analysis.Width), ("$h", analysis.Height), ("$o", analysis.Orientation), ("$now", now), ("$taken", analysis.TakenAt),
            ("$preview", preview), ("$id", photoId));
        transaction.Commit();
    }

    public static void Fail(SqliteConnection connection, long photoId, string reason, string now) =>
        connection.Execute("UPDATE photos SET state = 'failed', error = $e, updated_at = $now WHERE id = $id", null,
            ("$e", reason), ("$now", now), ("$id", photoId));

    public static string Now(TimeProvider clock) => clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private static void Bind(SqliteCommand command, params (string Name, object? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            command.Parameters[name].Value = value ?? DBNull.Value;
        }
    }
}
