using System.Globalization;
using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Library;

public readonly record struct KnownFile(long Id, string Path, long? PhotoId, long Size, long MtimeTicks, string State);

/// <summary>
/// The SQL behind reconciliation, inside the caller's transaction. Statements are prepared once
/// per batch and re-bound per file: the first pass over a large library is mostly these inserts.
/// </summary>
public sealed class LibraryStore(SqliteConnection connection, SqliteTransaction transaction, string now) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    /// <summary>
    /// TagWorker's own write of a photo file (embedded XMP), told to the library so the next pass does not take it for
    /// another program's edit: the file's new size and mtime.
    /// </summary>
    public static void RecordOwnWrite(
        SqliteConnection connection,
        SqliteTransaction transaction,
        string relativePath,
        FileInfo written
    ) =>
        connection.Execute(
            "UPDATE files SET size = $s, mtime = $m WHERE path = $path",
            transaction,
            ("$s", written.Length),
            ("$m", written.LastWriteTimeUtc.Ticks),
            ("$path", relativePath)
        );

    /// <summary>The hash of a photo's file as TagWorker is about to write it (embedded XMP): the same photo, never a
    /// new one.</summary>
    public static void RecordOwnHash(
        SqliteConnection connection,
        SqliteTransaction transaction,
        long photoId,
        byte[] sha256
    ) =>
        connection.Execute(
            "INSERT OR IGNORE INTO photo_hashes (sha256, photo_id) VALUES ($h, $p)",
            transaction,
            ("$h", sha256),
            ("$p", photoId)
        );

    /// <summary>A failed file is read again by the next pass (which looks at it because its mtime no longer
    /// matches). Its path, or null when there is no such failed file.</summary>
    public static string? ReadAgain(SqliteConnection connection, long fileId) =>
        connection.Scalar(
            "UPDATE files SET mtime = 0 WHERE id = $id AND state = 'failed' RETURNING path",
            null,
            ("$id", fileId)
        ) as string;

    /// <summary>The paths at which a photo is in the library now, in order (the first is the one shown).</summary>
    public static List<string> PathsOf(
        SqliteConnection connection,
        long photoId,
        SqliteTransaction? transaction = null
    ) =>
        connection.Rows(
            "SELECT path FROM files WHERE photo_id = $id AND state = 'present' ORDER BY path",
            r => r.GetString(0),
            transaction,
            ("$id", photoId)
        );

    /// <summary>
    /// The first path of the photo whose id is the SQL expression <paramref name="photoId"/>, as a subquery for
    /// other folders' reads (null when it has none).
    /// </summary>
    public static string FirstPathOf(string photoId) =>
        $"(SELECT min(fi.path) FROM files fi WHERE fi.photo_id = {photoId} AND fi.state = 'present')";

    public static Dictionary<string, KnownFile> LoadKnown(
        SqliteConnection connection,
        IReadOnlyCollection<string>? scope
    )
    {
        var known = new Dictionary<string, KnownFile>(StringComparer.Ordinal);
        const string select = "SELECT id, path, photo_id, size, mtime, state FROM files";
        if (scope is null)
        {
            Read(connection.Command(select));
            return known;
        }
        foreach (var prefix in scope)
        {
            // Range on the unique index: the path itself and everything below it ('0' follows '/').
            Read(
                connection.Command(
                    $"{select} WHERE path = $p OR (path > $p || '/' AND path < $p || '0')",
                    null,
                    ("$p", prefix)
                )
            );
        }
        return known;

        void Read(SqliteCommand command)
        {
            using (command)
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var file = new KnownFile(
                        reader.GetInt64(0),
                        reader.GetString(1),
                        reader.IsDBNull(2) ? null : reader.GetInt64(2),
                        reader.GetInt64(3),
                        reader.GetInt64(4),
                        reader.GetString(5)
                    );
                    known[file.Path] = file;
                }
            }
        }
    }

    /// <summary>The photo these exact bytes are.</summary>
    public long? FindPhoto(byte[] sha256) =>
        Run("SELECT photo_id FROM photo_hashes WHERE sha256 = $h", c => c.ExecuteScalar(), ("$h", sha256)) as long?;

    /// <summary>The photo this image is, whatever metadata the file carries.</summary>
    public long? FindPhotoByImage(byte[]? imageHash) =>
        imageHash is null
            ? null
            : Run("SELECT photo_id FROM image_hashes WHERE hash = $h", c => c.ExecuteScalar(), ("$h", imageHash))
                as long?;

    public long AddPhoto(FileHashes hashes, long size)
    {
        var id = (long)
            Run(
                "INSERT INTO photos (size, state, created_at, updated_at) VALUES ($size, 'pending', $now, $now) RETURNING id",
                c => c.ExecuteScalar(),
                ("$size", size),
                ("$now", now)
            )!;
        AddHashes(id, hashes);
        return id;
    }

    /// <summary>These bytes (and this image) are also photo <paramref name="photoId"/>.</summary>
    public void AddHashes(long photoId, FileHashes hashes)
    {
        Run(
            "INSERT OR IGNORE INTO photo_hashes (sha256, photo_id) VALUES ($h, $id)",
            c => c.ExecuteNonQuery(),
            ("$h", hashes.File),
            ("$id", photoId)
        );
        if (hashes.Image is not null)
        {
            Run(
                "INSERT OR IGNORE INTO image_hashes (hash, photo_id) VALUES ($h, $id)",
                c => c.ExecuteNonQuery(),
                ("$h", hashes.Image),
                ("$id", photoId)
            );
        }
    }

    /// <summary>Another program changed the file's metadata, not its image: the photo reads its header again.</summary>
    public void MarkMetadataChanged(long photoId) =>
        Run(
            "UPDATE photos SET metadata_changed_at = $now, updated_at = $now WHERE id = $id",
            c => c.ExecuteNonQuery(),
            ("$id", photoId),
            ("$now", now)
        );

    /// <summary>
    /// The image itself was edited (cropped, rotated, retouched): the same photo in a new version, analysed
    /// again; its faces are matched to the new ones (PhotoStore), so names and decisions carry over.
    /// </summary>
    public void NewVersion(long photoId) =>
        Run(
            """
            UPDATE photos SET state = 'pending', error = NULL, version = version + 1, metadata_changed_at = NULL, updated_at = $now
            WHERE id = $id
            """,
            c => c.ExecuteNonQuery(),
            ("$id", photoId),
            ("$now", now)
        );

    /// <summary>True when the photo has a present file other than <paramref name="path"/>.</summary>
    public bool HasOtherCopy(long photoId, string path) =>
        Run(
            "SELECT EXISTS (SELECT 1 FROM files WHERE photo_id = $id AND state = 'present' AND path <> $path)",
            c => Convert.ToInt64(c.ExecuteScalar(), CultureInfo.InvariantCulture),
            ("$id", photoId),
            ("$path", path)
        ) == 1;

    /// <summary>The paths at which the photo is present now.</summary>
    public List<string> PresentPaths(long photoId) => PathsOf(connection, photoId, transaction);

    public void SaveFile(ListedFile file, long? photoId, string state, string? error, byte[]? imageHash = null) =>
        Run(
            """
            INSERT INTO files (path, photo_id, size, mtime, state, error, seen_at, image_hash) VALUES ($path, $photo, $size, $mtime, $state, $error, $now, $image)
            ON CONFLICT (path) DO UPDATE SET photo_id = coalesce($photo, photo_id), size = $size, mtime = $mtime,
                state = $state, error = $error, seen_at = $now, removed_at = NULL, image_hash = coalesce($image, image_hash)
            """,
            c => c.ExecuteNonQuery(),
            ("$path", file.Path),
            ("$photo", photoId),
            ("$size", file.Size),
            ("$mtime", file.MtimeTicks),
            ("$state", state),
            ("$error", error),
            ("$now", now),
            ("$image", imageHash)
        );

    public void Retire(long fileId) =>
        Run(
            "UPDATE files SET state = 'removed', removed_at = $now WHERE id = $id",
            c => c.ExecuteNonQuery(),
            ("$id", fileId),
            ("$now", now)
        );

    /// <summary>A photo with no present file is "removed" (data kept); one that has a file again is back.</summary>
    public void RefreshRemoved(long photoId) =>
        Run(
            """
            UPDATE photos SET removed_at = CASE
                WHEN EXISTS (SELECT 1 FROM files WHERE photo_id = $id AND state = 'present') THEN NULL
                ELSE coalesce(removed_at, $now) END
            WHERE id = $id
            """,
            c => c.ExecuteNonQuery(),
            ("$id", photoId),
            ("$now", now)
        );

    /// <summary>
    /// Records the folders a pass could not read, replacing what an earlier pass said about the same part of the
    /// library (<paramref name="scope"/> null: the whole library), so the Failed page lists each one with its reason.
    /// </summary>
    public void RecordUnreadableFolders(
        IReadOnlyCollection<string>? scope,
        IEnumerable<(string Path, string Reason)> folders
    )
    {
        if (scope is null)
        {
            connection.Execute("DELETE FROM folder_failures", transaction);
        }
        else
        {
            foreach (var prefix in scope)
            {
                connection.Execute(
                    "DELETE FROM folder_failures WHERE path = $p OR (path > $p || '/' AND path < $p || '0')",
                    transaction,
                    ("$p", prefix)
                );
            }
        }
        foreach (var (path, reason) in folders)
        {
            connection.Execute(
                """
                INSERT INTO folder_failures (path, reason, seen_at) VALUES ($p, $r, $now)
                ON CONFLICT (path) DO UPDATE SET reason = $r, seen_at = $now
                """,
                transaction,
                ("$p", path),
                ("$r", reason),
                ("$now", now)
            );
        }
    }

    /// <summary>The removal being held back, if any: (id, files, passes, confirmed).</summary>
    public (long Id, int Files, int Passes, bool Confirmed)? OpenHold() =>
        connection.Rows(
            "SELECT id, files, passes, confirmed_at IS NOT NULL FROM removal_holds WHERE resolved_at IS NULL ORDER BY id DESC LIMIT 1",
            r => (r.GetInt64(0), r.GetInt32(1), r.GetInt32(2), r.GetBoolean(3)),
            transaction
        )
            is [var hold]
            ? hold
            : null;

    public void Hold(int files, int known, IEnumerable<string> sample) =>
        connection.Execute(
            """
            INSERT INTO removal_holds (files, known, sample, created_at, seen_at) VALUES ($f, $k, $s, $now, $now)
            """,
            transaction,
            ("$f", files),
            ("$k", known),
            ("$s", System.Text.Json.JsonSerializer.Serialize(sample.Take(10))),
            ("$now", now)
        );

    public void SeenAgain(long holdId, int files) =>
        connection.Execute(
            "UPDATE removal_holds SET passes = passes + 1, files = $f, seen_at = $now WHERE id = $id",
            transaction,
            ("$f", files),
            ("$now", now),
            ("$id", holdId)
        );

    public void ResolveHolds() =>
        connection.Execute(
            "UPDATE removal_holds SET resolved_at = $now WHERE resolved_at IS NULL",
            transaction,
            ("$now", now)
        );

    /// <summary>
    /// Deletes photos removed longer than the grace period, with everything attached to them; photos
    /// holding the owner's decisions (a confirmed or rejected face) only with <paramref name="evenConfirmed"/>
    /// (the owner said so): a library that moved must not cost the owner's work. Returns how many, and
    /// their thumbnail files (relative to the data folder) to delete after commit.
    /// </summary>
    public (int Photos, List<string> Files) PurgeRemovedBefore(DateTimeOffset cutoff, bool evenConfirmed = false)
    {
        var before = cutoff.ToString("O", CultureInfo.InvariantCulture);
        connection.Execute("DROP TABLE IF EXISTS temp.purge", transaction);
        connection.Execute(
            $"""
            CREATE TEMP TABLE purge AS SELECT id FROM photos p WHERE removed_at < $before
            {(
                evenConfirmed
                    ? ""
                    : "AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.photo_id = p.id AND (f.assigned_by = 'user' OR f.rejected IS NOT NULL))"
            )}
            """,
            transaction,
            ("$before", before)
        );
        var files = new List<string>();
        using (
            var command = connection.Command(
                """
                SELECT preview FROM photos WHERE id IN (SELECT id FROM temp.purge) AND preview IS NOT NULL
                UNION ALL
                SELECT f.thumbnail FROM faces f WHERE f.photo_id IN (SELECT id FROM temp.purge) AND f.thumbnail IS NOT NULL
                """,
                transaction
            )
        )
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                files.Add(reader.GetString(0));
            }
        }
        connection.Execute(
            "DELETE FROM files WHERE state = 'removed' AND removed_at < $before AND (photo_id IS NULL OR photo_id IN (SELECT id FROM temp.purge))",
            transaction,
            ("$before", before)
        );
        var purged = connection.Execute("DELETE FROM photos WHERE id IN (SELECT id FROM temp.purge)", transaction);
        connection.Execute("DROP TABLE temp.purge", transaction);
        return (purged, files);
    }

    public void Dispose()
    {
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }
    }

    private T Run<T>(string sql, Func<SqliteCommand, T> execute, params (string Name, object? Value)[] parameters)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = connection.Command(sql, transaction, parameters);
            command.Prepare();
            _prepared[sql] = command;
        }
        else
        {
            foreach (var (name, value) in parameters)
            {
                command.Parameters[name].Value = value ?? DBNull.Value;
            }
        }
        return execute(command);
    }
}
