using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary>What TagWorker's last verified write put into a photo for one subject (exactly the XMP items it added).</summary>
public sealed record WrittenRow(string Subject, string Value, Entries Entries);

/// <summary>
/// The journal of writes and what hangs off it: where a photo's XMP goes, the backups taken before writing,
/// repairing writes a crash interrupted, undoing a write, and pruning old backups.
/// </summary>
public sealed class WriteJournal(Database database, IOptions<WriteBackOptions> options, IOptions<LibraryOptions> library,
    IOptions<StorageOptions> storage, TimeProvider clock, ILogger<WriteJournal> logger)
{
    private WriteBackOptions Settings => options.Value;

    public IReadOnlyList<long> WritesSince(DateTimeOffset since)
    {
        using var connection = database.Open();
        return connection.Ids("SELECT id FROM writes WHERE state = 'done' AND created_at >= $since ORDER BY id DESC", null,
            ("$since", since.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
    }

    /// <summary>Finishes or rolls back writes a crash interrupted: the target is either the old file or the new one.</summary>
    public void Recover()
    {
        using var connection = database.Open();
        var rows = connection.Rows("SELECT id, photo_id, path, mode, hash_after, after, temp FROM writes WHERE state = 'started'",
            r => (Id: r.GetInt64(0), Photo: r.GetNullableInt64(1), Path: r.GetString(2), Mode: r.GetString(3), After: r.GetNullableString(4),
                AfterRows: r.GetString(5), Temp: r.GetNullableString(6)));
        foreach (var row in rows)
        {
            var target = TargetPath(row.Path, row.Mode);
            var now = FileSnapshot.HashOf(target);
            if (row.Temp is not null && File.Exists(row.Temp))
            {
                File.Delete(row.Temp);
            }
            if (now is not null && now == row.After && row.Photo is { } photo)
            {
                using var transaction = connection.BeginTransaction();
                SaveWritten(connection, transaction, photo, JsonSerializer.Deserialize<List<WrittenRow>>(row.AfterRows)!);
                connection.Execute("UPDATE writes SET state = 'done', temp = NULL WHERE id = $id", transaction, ("$id", row.Id));
                transaction.Commit();
                logger.LogWarning("Finished write {Id} to {Path}, interrupted after the file was replaced", row.Id, row.Path);
            }
            else
            {
                connection.Execute("UPDATE writes SET state = 'failed', temp = NULL, error = 'interrupted before the file was replaced; it was left as it was' WHERE id = $id",
                    null, ("$id", row.Id));
                logger.LogWarning("Rolled back write {Id} to {Path}: interrupted before the file was replaced", row.Id, row.Path);
            }
        }
    }

    /// <summary>Restores one completed write's file as it was, and TagWorker's record of what it wrote; returns what it did.</summary>
    public string Undo(long id)
    {
        using var connection = database.Open();
        using var command = connection.Command("SELECT photo_id, path, mode, hash_before, hash_after, backup, before, state FROM writes WHERE id = $id", null, ("$id", id));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw new WriteBackException("no such write");
        }
        var (photo, relative, mode, hashBefore, hashAfter, backup, before, state) = (reader.IsDBNull(0) ? (long?)null : reader.GetInt64(0), reader.GetString(1),
            reader.GetString(2), reader.GetNullableString(3), reader.GetNullableString(4), reader.GetNullableString(5), reader.GetString(6), reader.GetString(7));
        if (state != "done")
        {
            throw new WriteBackException($"it is {state}, only a completed write can be undone");
        }
        if (connection.Scalar("SELECT id FROM writes WHERE photo_id = $p AND path = $path AND state = 'done' AND id > $id LIMIT 1", null,
            ("$p", photo), ("$path", relative), ("$id", id)) is long later)
        {
            throw new WriteBackException($"write {later} to the same file came after it; undo that first");
        }
        var target = TargetPath(relative, mode);
        if (FileSnapshot.HashOf(target) != hashAfter)
        {
            throw new WriteBackException($"{relative} changed since TagWorker wrote it; not restoring over someone else's change");
        }
        if (hashBefore is null)
        {
            File.Delete(target);
        }
        else
        {
            var copy = backup is null ? null : Path.Combine(storage.Value.Dir, backup);
            if (copy is null || !File.Exists(copy) || FileSnapshot.HashOf(copy) != hashBefore)
            {
                throw new WriteBackException("its backup is gone (pruned after the retention period)");
            }
            var temp = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileNameWithoutExtension(target)}.tagworker-undo-{id}{Path.GetExtension(target)}");
            File.Copy(copy, temp, overwrite: true);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(target));
            }
            File.Move(temp, target, overwrite: true);
        }
        using var transaction = connection.BeginTransaction();
        if (photo is { } p)
        {
            var previous = JsonSerializer.Deserialize<List<WrittenRow>>(before)!;
            var afterRows = JsonSerializer.Deserialize<List<WrittenRow>>((string)connection.Scalar("SELECT after FROM writes WHERE id = $id", transaction, ("$id", id))!)!;
            foreach (var subject in previous.Select(r => r.Subject).Concat(afterRows.Select(r => r.Subject)).Distinct())
            {
                connection.Execute("DELETE FROM written WHERE photo_id = $p AND subject = $s", transaction, ("$p", p), ("$s", subject));
            }
            SaveWritten(connection, transaction, p, previous);
            if (mode == "embedded" && File.Exists(target))
            {
                var info = new FileInfo(target);
                connection.Execute("UPDATE files SET size = $s, mtime = $m WHERE path = $path", transaction,
                    ("$s", info.Length), ("$m", info.LastWriteTimeUtc.Ticks), ("$path", relative));
            }
        }
        connection.Execute("UPDATE writes SET state = 'undone', undone_at = $now WHERE id = $id", transaction, ("$now", Now()), ("$id", id));
        transaction.Commit();
        return $"write {id}: {relative} restored";
    }

    /// <summary>Deletes backups of verified writes older than the retention; never a backup of a write that is not done.</summary>
    public void PruneBackups()
    {
        using var connection = database.Open();
        var cutoff = clock.GetUtcNow().AddDays(-Settings.BackupRetentionDays).ToString("O", CultureInfo.InvariantCulture);
        var backups = connection.Rows("SELECT id, backup FROM writes WHERE backup IS NOT NULL AND state IN ('done', 'undone') AND created_at < $cutoff",
            r => (Id: r.GetInt64(0), Path: Path.Combine(storage.Value.Dir, r.GetString(1))), null, ("$cutoff", cutoff));
        foreach (var (_, path) in backups)
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        foreach (var id in backups.Select(b => b.Id))
        {
            connection.Execute("UPDATE writes SET backup = NULL WHERE id = $id", null, ("$id", id));
        }
    }

    public string? Backup(string target, long writeId)
    {
        var relative = Path.Combine("backups", clock.GetUtcNow().ToString("yyyyMMdd", CultureInfo.InvariantCulture), $"{writeId}-{Path.GetFileName(target)}");
        var full = Path.Combine(storage.Value.Dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.Copy(target, full, overwrite: true);
        return relative;
    }

    public string? KeepCopy(string target, string why)
    {
        if (!File.Exists(target))
        {
            return null;
        }
        var full = Path.Combine(storage.Value.Dir, "backups", why, $"{clock.GetUtcNow():yyyyMMddHHmmss}-{Path.GetFileName(target)}");
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.Copy(target, full, overwrite: true);
        return full;
    }

    public string TargetPath(string relative, string mode)
    {
        if (mode == "embedded")
        {
            return Path.Combine(library.Value.Root, relative);
        }
        var root = string.IsNullOrEmpty(Settings.SidecarMirror) ? library.Value.Root : Settings.SidecarMirror;
        return Path.Combine(root, relative + ".xmp");
    }

    public static void SaveWritten(SqliteConnection connection, SqliteTransaction transaction, long photo, IEnumerable<WrittenRow> rows)
    {
        foreach (var row in rows)
        {
            connection.Execute("INSERT OR REPLACE INTO written (photo_id, subject, value, entries) VALUES ($p, $s, $v, $e)", transaction,
                ("$p", photo), ("$s", row.Subject), ("$v", row.Value), ("$e", JsonSerializer.Serialize(row.Entries)));
        }
    }

    public static List<WrittenRow> ReadWritten(SqliteConnection connection, long photo) =>
        connection.Rows("SELECT subject, value, entries FROM written WHERE photo_id = $p",
            r => new WrittenRow(r.GetString(0), r.GetString(1), JsonSerializer.Deserialize<Entries>(r.GetString(2)) ?? Entries.None), null, ("$p", photo));

    private string Now() => clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
}
