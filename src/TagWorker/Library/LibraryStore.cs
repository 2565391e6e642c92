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

    public static Dictionary<string, KnownFile> LoadKnown(SqliteConnection connection, IReadOnlyCollection<string>? scope)
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
            Read(connection.Command($"{select} WHERE path = $p OR (path > $p || '/' AND path < $p || '0')", null, ("$p", prefix)));
        }
        return known;

        void Read(SqliteCommand command)
        {
            using (command)
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var file = new KnownFile(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2),
                        reader.GetInt64(3), reader.GetInt64(4), reader.GetString(5));
                    known[file.Path] = file;
                }
            }
        }
    }

    public long? FindPhoto(byte[] sha256) =>
        Run("SELECT photo_id FROM photo_hashes WHERE sha256 = $h", c => c.ExecuteScalar(), ("$h", sha256)) as long?;

    public long AddPhoto(byte[] sha256, long size)
    {
        var id = (long)Run("INSERT INTO photos (size, state, created_at, updated_at) VALUES ($size, 'pending', $now, $now) RETURNING id",
            c => c.ExecuteScalar(), ("$size", size), ("$now", now))!;
        Run("INSERT INTO photo_hashes (sha256, photo_id) VALUES ($h, $id)", c => c.ExecuteNonQuery(), ("$h", sha256), ("$id", id));
        return id;
    }

    public void SaveFile(ListedFile file, long? photoId, string state, string? error) =>
        Run("""
            INSERT INTO files (path, photo_id, size, mtime, state, error, seen_at) VALUES ($path, $photo, $size, $mtime, $state, $error, $now)
            ON CONFLICT (path) DO UPDATE SET photo_id = coalesce($photo, photo_id), size = $size, mtime = $mtime,
                state = $state, error = $error, seen_at = $now, removed_at = NULL
            """, c => c.ExecuteNonQuery(), ("$path", file.Path), ("$photo", photoId), ("$size", file.Size), ("$mtime", file.MtimeTicks),
            ("$state", state), ("$error", error), ("$now", now));

    public void Retire(long fileId) =>
        Run("UPDATE files SET state = 'removed', removed_at = $now WHERE id = $id", c => c.ExecuteNonQuery(), ("$id", fileId), ("$now", now));

    /// <summary>A photo with no present file is "removed" (data kept); one that has a file again is back.</summary>
    public void RefreshRemoved(long photoId) =>
        Run("""
            UPDATE photos SET removed_at = CASE
                WHEN EXISTS (SELECT 1 FROM files WHERE photo_id = $id AND state = 'present') THEN NULL
                ELSE coalesce(removed_at, $now) END
            WHERE id = $id
            """, c => c.ExecuteNonQuery(), ("$id", photoId), ("$now", now));

    /// <summary>
    /// Deletes photos removed longer than the grace period, with everything attached to them;
    /// returns how many, and their thumbnail files (relative to the data folder) to delete after commit.
    /// </summary>
    public (int Photos, List<string> Files) PurgeRemovedBefore(DateTimeOffset cutoff)
    {
        var before = cutoff.ToString("O", CultureInfo.InvariantCulture);
        var files = new List<string>();
        using (var command = connection.Command("""
            SELECT preview FROM photos WHERE removed_at < $before AND preview IS NOT NULL
            UNION ALL
            SELECT f.thumbnail FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.removed_at < $before AND f.thumbnail IS NOT NULL
            """, transaction, ("$before", before)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                files.Add(reader.GetString(0));
            }
        }
        connection.Execute("DELETE FROM files WHERE state = 'removed' AND removed_at < $before AND (photo_id IS NULL OR photo_id IN (SELECT id FROM photos WHERE removed_at < $before))",
            transaction, ("$before", before));
        return (connection.Execute("DELETE FROM photos WHERE removed_at < $before", transaction, ("$before", before)), files);
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
