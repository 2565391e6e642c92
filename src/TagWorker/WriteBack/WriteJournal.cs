using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary>
/// What TagWorker's last verified writes put into a photo's files for one subject: exactly the XMP items it
/// added, per file (<see cref="Targets"/>; older rows have only <see cref="Entries"/>, meant for every file).
/// </summary>
public sealed record WrittenRow(
    string Subject,
    string Value,
    Entries Entries,
    IReadOnlyDictionary<string, Entries>? Targets = null
)
{
    public Entries For(string target) => Targets is null ? Entries : Targets.GetValueOrDefault(target) ?? Entries.None;
}

/// <summary>The last completed write to one file: its hash after, the written rows before and after it, when.</summary>
public sealed record LastWrite(string? Hash, List<WrittenRow> Before, List<WrittenRow> After, string CreatedAt);

/// <summary>What TagWorker carried into one file (see the carried table).</summary>
public sealed record CarriedState(IReadOnlyList<Entry> Fields, IReadOnlyList<Region> Regions, bool Ordered);

/// <summary>
/// The journal of writes and what hangs off it: where a photo's XMP goes, the backups taken before writing,
/// repairing writes a crash interrupted, undoing a write, and pruning old backups.
/// </summary>
public sealed class WriteJournal(
    Database database,
    IOptions<WriteBackOptions> options,
    IOptions<LibraryOptions> library,
    IOptions<StorageOptions> storage,
    TimeProvider clock,
    ILogger<WriteJournal> logger
)
{
    private WriteBackOptions Settings => options.Value;

    public string LibraryRoot => library.Value.Root;

    /// <summary>A write begins: journaled before anything is touched.</summary>
    public long Start(
        SqliteConnection connection,
        long photoId,
        string relativePhoto,
        WriteTarget target,
        IReadOnlyList<string> added,
        IReadOnlyList<string> removed,
        IReadOnlyList<WrittenRow> before,
        IReadOnlyList<WrittenRow> after,
        string? hashBefore
    ) =>
        (long)
            connection.Scalar(
                """
                INSERT INTO writes (photo_id, path, mode, target, added, removed, before, after, hash_before, state, created_at)
                VALUES ($p, $path, $mode, $target, $added, $removed, $before, $after, $hb, 'started', $now) RETURNING id
                """,
                null,
                ("$p", photoId),
                ("$path", relativePhoto),
                ("$mode", target.Mode),
                ("$target", target.Relative),
                ("$added", JsonSerializer.Serialize(added)),
                ("$removed", JsonSerializer.Serialize(removed)),
                ("$before", JsonSerializer.Serialize(before)),
                ("$after", JsonSerializer.Serialize(after)),
                ("$hb", hashBefore),
                ("$now", clock.StoredNow())
            )!;

    public static void SetTemp(SqliteConnection connection, long writeId, string temp) =>
        connection.Execute("UPDATE writes SET temp = $t WHERE id = $id", null, ("$t", temp), ("$id", writeId));

    /// <summary>
    /// The new file is verified: its hash and backup are recorded; an embedded write's new bytes are
    /// added to the photo's hashes before the rename, so the reconciler sees the same photo, never a new one.
    /// </summary>
    public static void Verified(
        SqliteConnection connection,
        long writeId,
        string? hashAfter,
        string? backup,
        string? temp,
        long? embeddedPhoto
    )
    {
        using var transaction = connection.BeginTransaction();
        connection.Execute(
            "UPDATE writes SET hash_after = $ha, backup = $b, temp = $t WHERE id = $id",
            transaction,
            ("$ha", hashAfter),
            ("$b", backup),
            ("$t", temp),
            ("$id", writeId)
        );
        if (embeddedPhoto is { } photo && hashAfter is not null)
        {
            LibraryStore.RecordOwnHash(connection, transaction, photo, Convert.FromHexString(hashAfter));
        }
        transaction.Commit();
    }

    /// <summary>The file is in place; an embedded write also tells the library the photo's new size and
    /// mtime.</summary>
    public static void Done(SqliteConnection connection, long writeId, string? embeddedRelative, string path)
    {
        using var transaction = connection.BeginTransaction();
        connection.Execute(
            "UPDATE writes SET state = 'done', temp = NULL WHERE id = $id",
            transaction,
            ("$id", writeId)
        );
        if (embeddedRelative is not null)
        {
            LibraryStore.RecordOwnWrite(connection, transaction, embeddedRelative, new FileInfo(path));
        }
        transaction.Commit();
    }

    public static void Fail(SqliteConnection connection, long writeId, string reason) =>
        connection.Execute(
            "UPDATE writes SET state = 'failed', temp = NULL, error = $e WHERE id = $id",
            null,
            ("$e", reason),
            ("$id", writeId)
        );

    /// <summary>True when TagWorker created this sidecar and nobody changed it since TagWorker's last write.</summary>
    public bool CreatedAndUntouched(WriteTarget target, string? currentHash)
    {
        using var connection = database.Open();
        var writes = connection.Rows(
            "SELECT hash_before, hash_after FROM writes WHERE target = $t AND state = 'done' ORDER BY id",
            r => (Before: r.GetNullableString(0), After: r.GetNullableString(1)),
            null,
            ("$t", target.Relative)
        );
        return writes.Count > 0
            && writes[0].Before is null
            && currentHash is not null
            && writes[^1].After == currentHash;
    }

    /// <summary>The last completed (and not undone) write to a file: what TagWorker left there.</summary>
    public LastWrite? LastWrite(string targetRelative)
    {
        using var connection = database.Open();
        return connection
            .Rows(
                """
                SELECT hash_after, before, after, created_at FROM writes WHERE target = $t AND state = 'done' ORDER BY id DESC LIMIT 1
                """,
                r => new LastWrite(
                    r.GetNullableString(0),
                    JsonSerializer.Deserialize<List<WrittenRow>>(r.GetString(1))!,
                    JsonSerializer.Deserialize<List<WrittenRow>>(r.GetString(2))!,
                    r.GetString(3)
                ),
                null,
                ("$t", targetRelative)
            )
            .FirstOrDefault();
    }

    /// <summary>
    /// Photos whose names TagWorker wrote into the photo file itself (Embedded mode) and still holds there: in Sidecar
    /// mode they are not moved out (the owner is told, and can undo those writes).
    /// </summary>
    public long EmbeddedLeftBehind()
    {
        using var connection = database.Open();
        return (long)
            connection.Scalar(
                """
                SELECT count(DISTINCT w.photo_id) FROM writes w
                WHERE w.mode = 'embedded' AND w.state = 'done' AND w.added <> '[]'
                  AND w.id = (SELECT max(x.id) FROM writes x WHERE x.target = w.target AND x.state = 'done')
                """
            )!;
    }

    /// <summary>The photo a write was for (relative to the library).</summary>
    public string? PhotoPath(long writeId)
    {
        using var connection = database.Open();
        return connection.Scalar("SELECT path FROM writes WHERE id = $id", null, ("$id", writeId)) as string;
    }

    public IReadOnlyList<long> WritesSince(DateTimeOffset since)
    {
        using var connection = database.Open();
        return connection.Ids(
            "SELECT id FROM writes WHERE state = 'done' AND created_at >= $since ORDER BY id DESC",
            null,
            ("$since", since.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))
        );
    }

    /// <summary>Finishes or rolls back writes a crash interrupted: the target is either the old file or the new
    /// one.</summary>
    public void Recover()
    {
        using var connection = database.Open();
        var rows = connection.Rows(
            "SELECT id, photo_id, path, mode, hash_after, after, temp, target FROM writes WHERE state = 'started'",
            r =>
                (
                    Id: r.GetInt64(0),
                    Photo: r.GetNullableInt64(1),
                    Path: r.GetString(2),
                    Mode: r.GetString(3),
                    After: r.GetNullableString(4),
                    AfterRows: r.GetString(5),
                    Temp: r.GetNullableString(6),
                    Target: r.GetNullableString(7)
                )
        );
        foreach (var row in rows)
        {
            var target = Resolve(row.Target, row.Path, row.Mode);
            var now = FileSnapshot.HashOf(target);
            if (row.Temp is not null && File.Exists(row.Temp))
            {
                File.Delete(row.Temp);
            }
            if (now is not null && now == row.After && row.Photo is { } photo)
            {
                using var transaction = connection.BeginTransaction();
                SaveWritten(
                    connection,
                    transaction,
                    photo,
                    JsonSerializer.Deserialize<List<WrittenRow>>(row.AfterRows)!
                );
                connection.Execute(
                    "UPDATE writes SET state = 'done', temp = NULL WHERE id = $id",
                    transaction,
                    ("$id", row.Id)
                );
                transaction.Commit();
                logger.LogWarning(
                    "Finished write {Id} to {Path}, interrupted after the file was replaced",
                    row.Id,
                    row.Path
                );
            }
            else
            {
                connection.Execute(
                    "UPDATE writes SET state = 'failed', temp = NULL, error = 'interrupted before the file was replaced; it was left as it was' WHERE id = $id",
                    null,
                    ("$id", row.Id)
                );
                logger.LogWarning(
                    "Rolled back write {Id} to {Path}: interrupted before the file was replaced",
                    row.Id,
                    row.Path
                );
            }
        }
    }

    /// <summary>Restores one completed write's file as it was, and TagWorker's record of what it wrote; returns what it
    /// did.</summary>
    public string Undo(long id)
    {
        using var connection = database.Open();
        using var command = connection.Command(
            "SELECT photo_id, path, mode, hash_before, hash_after, backup, before, state, target FROM writes WHERE id = $id",
            null,
            ("$id", id)
        );
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw new WriteBackException("no such write");
        }
        var (photo, relative, mode, hashBefore, hashAfter, backup, before, state) = (
            reader.IsDBNull(0) ? (long?)null : reader.GetInt64(0),
            reader.GetString(1),
            reader.GetString(2),
            reader.GetNullableString(3),
            reader.GetNullableString(4),
            reader.GetNullableString(5),
            reader.GetString(6),
            reader.GetString(7)
        );
        var targetColumn = reader.GetNullableString(8);
        if (state != "done")
        {
            throw new WriteBackException($"it is {state}, only a completed write can be undone");
        }
        if (
            connection.Scalar(
                "SELECT id FROM writes WHERE photo_id = $p AND coalesce(target, path) = coalesce($target, $path) AND state = 'done' AND id > $id LIMIT 1",
                null,
                ("$p", photo),
                ("$path", relative),
                ("$target", targetColumn),
                ("$id", id)
            )
            is long later
        )
        {
            throw new WriteBackException($"write {later} to the same file came after it; undo that first");
        }
        var target = Resolve(targetColumn, relative, mode);
        if (FileSnapshot.HashOf(target) != hashAfter)
        {
            throw new WriteBackException(
                $"{relative} changed since TagWorker wrote it; not restoring over someone else's change"
            );
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
            var temp = Path.Combine(
                Path.GetDirectoryName(target)!,
                $".{Path.GetFileNameWithoutExtension(target)}.tagworker-undo-{id}{Path.GetExtension(target)}"
            );
            File.Copy(copy, temp, overwrite: true);
            if (!OperatingSystem.IsWindows() && File.Exists(target))
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(target));
            }
            File.Move(temp, target, overwrite: true);
        }
        using var transaction = connection.BeginTransaction();
        if (photo is { } p)
        {
            var previous = JsonSerializer.Deserialize<List<WrittenRow>>(before)!;
            var afterRows = JsonSerializer.Deserialize<List<WrittenRow>>(
                (string)connection.Scalar("SELECT after FROM writes WHERE id = $id", transaction, ("$id", id))!
            )!;
            foreach (var subject in previous.Select(r => r.Subject).Concat(afterRows.Select(r => r.Subject)).Distinct())
            {
                connection.Execute(
                    "DELETE FROM written WHERE photo_id = $p AND subject = $s",
                    transaction,
                    ("$p", p),
                    ("$s", subject)
                );
            }
            SaveWritten(connection, transaction, p, previous);
            if (mode == "embedded" && File.Exists(target))
            {
                LibraryStore.RecordOwnWrite(connection, transaction, relative, new FileInfo(target));
            }
        }
        connection.Execute(
            "UPDATE writes SET state = 'undone', undone_at = $now WHERE id = $id",
            transaction,
            ("$now", clock.StoredNow()),
            ("$id", id)
        );
        transaction.Commit();
        return $"write {id}: {relative} restored";
    }

    /// <summary>Deletes backups of verified writes older than the retention; never a backup of a write that is not
    /// done.</summary>
    public int PruneBackups()
    {
        using var connection = database.Open();
        var cutoff = clock
            .GetUtcNow()
            .AddDays(-Settings.BackupRetentionDays)
            .ToString("O", CultureInfo.InvariantCulture);
        var backups = connection.Rows(
            "SELECT id, backup FROM writes WHERE backup IS NOT NULL AND state IN ('done', 'undone') AND created_at < $cutoff",
            r => (Id: r.GetInt64(0), Path: Path.Combine(storage.Value.Dir, r.GetString(1))),
            null,
            ("$cutoff", cutoff)
        );
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
        return backups.Count;
    }

    public string? Backup(string target, long writeId)
    {
        var relative = Path.Combine(
            "backups",
            clock.GetUtcNow().ToString("yyyyMMdd", CultureInfo.InvariantCulture),
            $"{writeId}-{Path.GetFileName(target)}"
        );
        var full = Path.Combine(storage.Value.Dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.Copy(target, full, overwrite: true);
        return relative;
    }

    /// <summary>A copy of a file TagWorker will not touch (malformed XMP), once per content: not on every apply
    /// round.</summary>
    public string? KeepCopy(string target, string why, string? hash)
    {
        if (!File.Exists(target))
        {
            return null;
        }
        var full = Path.Combine(
            storage.Value.Dir,
            "backups",
            why,
            $"{(hash ?? "unknown")[..Math.Min(16, (hash ?? "unknown").Length)]}-{Path.GetFileName(target)}"
        );
        if (File.Exists(full))
        {
            return full;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.Copy(target, full, overwrite: true);
        File.SetLastWriteTimeUtc(full, clock.GetUtcNow().UtcDateTime); // its age is the copy's: housekeeping prunes by it
        return full;
    }

    /// <summary>A write's file: its target column (relative to the library or the mirror), else the path and mode of
    /// older rows.</summary>
    public string Resolve(string? target, string relative, string mode)
    {
        if (target is null)
        {
            return TargetPath(relative, mode);
        }
        var root =
            mode == "sidecar" && !string.IsNullOrEmpty(Settings.SidecarMirror)
                ? Settings.SidecarMirror
                : library.Value.Root;
        return Path.Combine(root, target);
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

    public static void SaveWritten(
        SqliteConnection connection,
        SqliteTransaction transaction,
        long photo,
        IEnumerable<WrittenRow> rows
    )
    {
        foreach (var row in rows)
        {
            connection.Execute(
                "INSERT OR REPLACE INTO written (photo_id, subject, value, entries, targets) VALUES ($p, $s, $v, $e, $t)",
                transaction,
                ("$p", photo),
                ("$s", row.Subject),
                ("$v", row.Value),
                ("$e", JsonSerializer.Serialize(row.Entries)),
                ("$t", row.Targets is null ? null : JsonSerializer.Serialize(row.Targets))
            );
        }
    }

    public static List<WrittenRow> ReadWritten(
        SqliteConnection connection,
        long photo,
        SqliteTransaction? transaction = null
    ) =>
        connection.Rows(
            "SELECT subject, value, entries, targets FROM written WHERE photo_id = $p",
            r => new WrittenRow(
                r.GetString(0),
                r.GetString(1),
                JsonSerializer.Deserialize<Entries>(r.GetString(2)) ?? Entries.None,
                r.IsDBNull(3) ? null : JsonSerializer.Deserialize<Dictionary<string, Entries>>(r.GetString(3))
            ),
            transaction,
            ("$p", photo)
        );

    public CarriedState? Carried(string target)
    {
        using var connection = database.Open();
        return connection
            .Rows(
                "SELECT state FROM carried WHERE target = $t",
                r => JsonSerializer.Deserialize<CarriedState>(r.GetString(0)),
                null,
                ("$t", target)
            )
            .FirstOrDefault();
    }

    /// <summary>Records (or, with null, forgets) what TagWorker carried into a file; done with the write's
    /// outcome.</summary>
    public static void SetCarried(SqliteConnection connection, string target, CarriedState? state) =>
        connection.Execute(
            state is null
                ? "DELETE FROM carried WHERE target = $t"
                : "INSERT OR REPLACE INTO carried (target, state) VALUES ($t, $s)",
            null,
            ("$t", target),
            ("$s", state is null ? null : JsonSerializer.Serialize(state))
        );
}
