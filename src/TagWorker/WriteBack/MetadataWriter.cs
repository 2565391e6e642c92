using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TagWorker.Library;
using TagWorker.Storage;
using XmpCore;

namespace TagWorker.WriteBack;

public sealed record FileReport(long PhotoId, string Path, string Mode, IReadOnlyList<string> Added, IReadOnlyList<string> Removed, string State, string? Error, long? WriteId);

public sealed record ApplyReport(bool DryRun, int Photos, int Written, int Unchanged, int Failed, IReadOnlyList<FileReport> Files, IReadOnlyList<string> Notes);

public sealed record UndoReport(int Undone, int Failed, IReadOnlyList<string> Messages);

/// <summary>
/// Writes approved changes into XMP (a sidecar beside the photo, or embedded through exiftool), one file at a
/// time: read, merge, write a temporary file in the same folder, check nobody changed the target meanwhile,
/// rename into place, read back and verify; journal every step so a write can be undone and a crash repaired.
/// </summary>
public sealed class MetadataWriter(Database database, ExifTool exifTool, IOptions<WriteBackOptions> options, IOptions<LibraryOptions> library,
    IOptions<StorageOptions> storage, TimeProvider clock, ILogger<MetadataWriter> logger) : IDisposable
{
    public void Dispose() => _gate.Dispose();

    private readonly SemaphoreSlim _gate = new(1, 1);

    private WriteBackOptions Settings => options.Value;

    /// <summary>Called with the target's path right before the changed-meanwhile check: tests let another program write there.</summary>
    internal Action<string>? BeforeReplace { get; set; }

    private sealed record WrittenRow(string Subject, string Value, Entries Entries);

    private sealed record Plan(long PhotoId, List<Change> Changes, List<WrittenRow> Before, int StoredW, int StoredH,
        Dictionary<string, Wanted> Wanted, List<string> Paths);

    public async Task<ApplyReport> ApplyAsync(bool dryRun, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Recover();
            var files = new List<FileReport>();
            var notes = new List<string>();
            var plans = LoadPlans();
            foreach (var plan in plans)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var reports = plan.Paths.Select(path => WriteFile(plan, path, dryRun, notes)).ToList();
                files.AddRange(reports.Select(r => r.Report));
                if (!dryRun && reports.Count > 0 && reports.All(r => r.Report.State is "done" or "unchanged"))
                {
                    Commit(plan, reports[0].Added);
                }
            }
            if (!dryRun)
            {
                PruneBackups();
            }
            return new ApplyReport(dryRun, plans.Count, files.Count(f => f.State is "done" or "would write"),
                files.Count(f => f.State == "unchanged"), files.Count(f => f.State == "failed"), files, notes);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Restores the files of the given writes (newest first) as they were, and TagWorker's record of what it wrote.</summary>
    public async Task<UndoReport> UndoAsync(IReadOnlyList<long> writeIds, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var messages = new List<string>();
            int undone = 0, failed = 0;
            foreach (var id in writeIds.OrderDescending())
            {
                try
                {
                    messages.Add(UndoOne(id));
                    undone++;
                }
                catch (Exception e) when (e is WriteBackException or IOException or UnauthorizedAccessException)
                {
                    messages.Add($"write {id}: {e.Message}");
                    failed++;
                }
            }
            return new UndoReport(undone, failed, messages);
        }
        finally
        {
            _gate.Release();
        }
    }

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
        using var command = connection.Command("SELECT id, photo_id, path, mode, hash_before, hash_after, after, temp FROM writes WHERE state = 'started'");
        var rows = new List<(long Id, long? Photo, string Path, string Mode, string? Before, string? After, string AfterRows, string? Temp)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                    reader.GetNullableString(4), reader.GetNullableString(5), reader.GetString(6), reader.GetNullableString(7)));
            }
        }
        foreach (var row in rows)
        {
            var target = TargetPath(row.Path, row.Mode);
            var now = HashOf(target);
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

    private List<Plan> LoadPlans()
    {
        using var connection = database.Open();
        var approvedPhotos = connection.Ids("SELECT DISTINCT photo_id FROM approvals");
        var approved = approvedPhotos.Count == 0 ? [] : Changes.Pending(connection, Settings, approvedPhotos, approvedOnly: true);
        var plans = new List<Plan>();
        foreach (var group in approved.GroupBy(c => c.PhotoId))
        {
            var photo = group.Key;
            using var command = connection.Command("SELECT width, height, coalesce(orientation, 1) FROM photos WHERE id = $p AND width IS NOT NULL", null, ("$p", photo));
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                continue;
            }
            var (width, height, orientation) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2));
            var (storedW, storedH) = Geometry.StoredSize(width, height, orientation);
            var changes = group.ToList();
            var before = ReadWritten(connection, photo).Where(w => changes.Any(c => c.Subject == w.Subject)).ToList();
            var wanted = new Dictionary<string, Wanted>();
            foreach (var change in changes.Where(c => c.After is not null))
            {
                wanted[change.Subject] = change.IsPerson
                    ? Xmp.ForPerson(change.After!, Regions(connection, photo, long.Parse(change.Subject[Subjects.PersonPrefix.Length..], CultureInfo.InvariantCulture),
                        change.After!, width, height, orientation), Settings)
                    : Xmp.ForObject(change.After!, Settings);
            }
            var paths = connection.Ids("SELECT id FROM files WHERE photo_id = $p AND state = 'present' ORDER BY path", null, ("$p", photo))
                .Select(id => (string)connection.Scalar("SELECT path FROM files WHERE id = $id", null, ("$id", id))!).ToList();
            plans.Add(new Plan(photo, changes, before, storedW, storedH, wanted, paths));
        }
        return plans;
    }

    private static List<Region> Regions(SqliteConnection connection, long photo, long person, string name, int width, int height, int orientation)
    {
        using var command = connection.Command("SELECT x, y, w, h FROM faces WHERE photo_id = $p AND person_id = $person AND rejected IS NULL ORDER BY x", null,
            ("$p", photo), ("$person", person));
        using var reader = command.ExecuteReader();
        var regions = new List<Region>();
        while (reader.Read())
        {
            var (x, y, w, h) = Geometry.ToStored(reader.GetDouble(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3), width, height, orientation);
            regions.Add(Region.FromNormalised(name, x, y, w, h));
        }
        return regions;
    }

    private sealed record FileOutcome(FileReport Report, Dictionary<string, Entries> Added);

    private FileOutcome WriteFile(Plan plan, string relative, bool dryRun, List<string> notes)
    {
        var mode = Settings.Mode == WriteMode.Embedded ? "embedded" : "sidecar";
        var target = TargetPath(relative, mode);
        var addedNames = plan.Changes.Where(c => c.After is not null && c.After != c.Before).Select(c => c.After!).ToArray();
        var removedNames = plan.Changes.Where(c => c.Before is not null && c.After != c.Before).Select(c => c.Before!).ToArray();
        FileOutcome Outcome(string state, string? error, long? id, Dictionary<string, Entries>? added = null) =>
            new(new FileReport(plan.PhotoId, relative, mode, addedNames, removedNames, state, error, id), added ?? []);

        if (mode == "sidecar")
        {
            var lightroom = Path.ChangeExtension(Path.Combine(library.Value.Root, relative), ".xmp");
            if (File.Exists(lightroom))
            {
                notes.Add($"{Path.ChangeExtension(relative, ".xmp")} (Lightroom naming) exists and was left alone; TagWorker writes {relative}.xmp");
            }
        }
        for (var attempt = 1; ; attempt++)
        {
            long? writeId = null;
            string? temp = null;
            try
            {
                var snapshot = Snapshot.Take(target);
                var packet = mode == "sidecar" ? snapshot.Bytes : ReadEmbeddedPacket(target, snapshot.Bytes);
                IXmpMeta meta;
                try
                {
                    meta = Xmp.Parse(packet);
                }
                catch (XmpException e)
                {
                    var kept = dryRun ? null : KeepCopy(target, "malformed");
                    return Outcome("failed", $"the existing XMP is malformed ({e.Message}); left untouched" + (kept is null ? "" : $", a copy is in {kept}"), null);
                }
                var foreign = Xmp.Read(meta);
                var added = new Dictionary<string, Entries>();
                var removeAll = new List<Entries>();
                foreach (var change in plan.Changes)
                {
                    var previous = plan.Before.FirstOrDefault(w => w.Subject == change.Subject)?.Entries ?? Entries.None;
                    removeAll.Add(previous);
                    added[change.Subject] = Xmp.Merge(meta, previous, plan.Wanted.GetValueOrDefault(change.Subject) ?? new Wanted([], []), (plan.StoredW, plan.StoredH));
                }
                var newPacket = Xmp.Serialize(meta);
                if (dryRun)
                {
                    return Outcome("would write", null, null, added);
                }
                if (packet is not null && mode == "sidecar" && newPacket.AsSpan().SequenceEqual(packet))
                {
                    return Outcome("unchanged", null, null, added);
                }

                using var connection = database.Open();
                var afterRows = AfterRows(plan, added);
                writeId = (long)connection.Scalar("""
                    INSERT INTO writes (photo_id, path, mode, added, removed, before, after, hash_before, state, created_at)
                    VALUES ($p, $path, $mode, $added, $removed, $before, $after, $hb, 'started', $now) RETURNING id
                    """, null, ("$p", plan.PhotoId), ("$path", relative), ("$mode", mode), ("$added", JsonSerializer.Serialize(addedNames)),
                    ("$removed", JsonSerializer.Serialize(removedNames)), ("$before", JsonSerializer.Serialize(plan.Before)),
                    ("$after", JsonSerializer.Serialize(afterRows)), ("$hb", snapshot.Hash), ("$now", Now()))!;
                temp = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileNameWithoutExtension(target)}.tagworker-{writeId}{Path.GetExtension(target)}");
                // Journaled before it exists, so a crash while it is being written still finds and removes it.
                connection.Execute("UPDATE writes SET temp = $t WHERE id = $id", null, ("$t", temp), ("$id", writeId));
                var backup = snapshot.Exists ? Backup(target, writeId.Value) : null;
                if (mode == "sidecar")
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    WriteDurably(temp, newPacket);
                }
                else
                {
                    WriteEmbedded(target, temp, newPacket);
                }
                VerifyContent(temp, mode, plan, added, foreign, removeAll, snapshot);
                CopyOwnership(target, temp, snapshot);
                var hashAfter = HashOf(temp)!;
                using (var transaction = connection.BeginTransaction())
                {
                    connection.Execute("UPDATE writes SET hash_after = $ha, backup = $b, temp = $t WHERE id = $id", transaction,
                        ("$ha", hashAfter), ("$b", backup), ("$t", temp), ("$id", writeId));
                    if (mode == "embedded")
                    {
                        // The new bytes stay this photo, whoever looks first: the reconciler or the next step here.
                        connection.Execute("INSERT OR IGNORE INTO photo_hashes (sha256, photo_id) VALUES ($h, $p)", transaction,
                            ("$h", Convert.FromHexString(hashAfter)), ("$p", plan.PhotoId));
                    }
                    transaction.Commit();
                }
                BeforeReplace?.Invoke(target);
                if (!snapshot.StillSame(target))
                {
                    File.Delete(temp);
                    connection.Execute("UPDATE writes SET state = 'failed', temp = NULL, error = 'changed by another program meanwhile; merged again' WHERE id = $id", null, ("$id", writeId));
                    if (attempt < 3)
                    {
                        continue;
                    }
                    return Outcome("failed", "the file keeps changing under another program; try again later", writeId);
                }
                File.Move(temp, target, overwrite: true);
                using (var transaction = connection.BeginTransaction())
                {
                    connection.Execute("UPDATE writes SET state = 'done', temp = NULL WHERE id = $id", transaction, ("$id", writeId));
                    if (mode == "embedded")
                    {
                        var info = new FileInfo(target);
                        connection.Execute("UPDATE files SET size = $s, mtime = $m WHERE path = $path", transaction,
                            ("$s", info.Length), ("$m", info.LastWriteTimeUtc.Ticks), ("$path", relative));
                    }
                    transaction.Commit();
                }
                return Outcome("done", null, writeId, added);
            }
            catch (Exception e) when (e is WriteBackException or IOException or UnauthorizedAccessException or XmpException)
            {
                if (temp is not null && File.Exists(temp))
                {
                    File.Delete(temp);
                }
                var reason = e is UnauthorizedAccessException ? $"permission denied: {e.Message}" : e.Message;
                if (writeId is not null)
                {
                    using var connection = database.Open();
                    connection.Execute("UPDATE writes SET state = 'failed', temp = NULL, error = $e WHERE id = $id", null, ("$e", reason), ("$id", writeId));
                }
                logger.LogWarning("Could not write metadata for {Path}: {Reason}", relative, reason);
                return Outcome("failed", reason, writeId);
            }
        }
    }

    private static List<WrittenRow> AfterRows(Plan plan, Dictionary<string, Entries> added) =>
        plan.Changes.Where(c => c.After is not null).Select(c => new WrittenRow(c.Subject, c.After!, added[c.Subject])).ToList();

    /// <summary>The photo's record of what TagWorker wrote becomes the new state, and the approvals it used are spent.</summary>
    private void Commit(Plan plan, Dictionary<string, Entries> added)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        foreach (var change in plan.Changes)
        {
            connection.Execute("DELETE FROM written WHERE photo_id = $p AND subject = $s", transaction, ("$p", plan.PhotoId), ("$s", change.Subject));
            connection.Execute("DELETE FROM approvals WHERE photo_id = $p AND subject = $s", transaction, ("$p", plan.PhotoId), ("$s", change.Subject));
        }
        SaveWritten(connection, transaction, plan.PhotoId, AfterRows(plan, added));
        transaction.Commit();
    }

    private static void SaveWritten(SqliteConnection connection, SqliteTransaction transaction, long photo, IEnumerable<WrittenRow> rows)
    {
        foreach (var row in rows)
        {
            connection.Execute("INSERT OR REPLACE INTO written (photo_id, subject, value, entries) VALUES ($p, $s, $v, $e)", transaction,
                ("$p", photo), ("$s", row.Subject), ("$v", row.Value), ("$e", JsonSerializer.Serialize(row.Entries)));
        }
    }

    private static List<WrittenRow> ReadWritten(SqliteConnection connection, long photo)
    {
        using var command = connection.Command("SELECT subject, value, entries FROM written WHERE photo_id = $p", null, ("$p", photo));
        using var reader = command.ExecuteReader();
        var rows = new List<WrittenRow>();
        while (reader.Read())
        {
            rows.Add(new WrittenRow(reader.GetString(0), reader.GetString(1), JsonSerializer.Deserialize<Entries>(reader.GetString(2)) ?? Entries.None));
        }
        return rows;
    }

    /// <summary>Reads the result back: every intended value is there and every value someone else wrote survived.</summary>
    private void VerifyContent(string temp, string mode, Plan plan, Dictionary<string, Entries> added, XmpContent foreign, List<Entries> removed, Snapshot original)
    {
        var packet = mode == "sidecar" ? File.ReadAllBytes(temp) : ReadEmbeddedPacket(temp);
        var content = Xmp.Read(Xmp.Parse(packet));
        foreach (var wanted in plan.Wanted.Values)
        {
            if (wanted.Fields.FirstOrDefault(f => !content.Has(f)) is { } missing)
            {
                throw new WriteBackException($"verification failed: {missing.Field} '{missing.Value}' is missing after the write");
            }
            if (wanted.Regions.FirstOrDefault(r => !content.Regions.Contains(r)) is { } region)
            {
                throw new WriteBackException($"verification failed: the region of '{region.Name}' is missing after the write");
            }
        }
        var ours = removed.SelectMany(r => r.Fields).ToList();
        foreach (var (field, values) in foreign.Lists)
        {
            foreach (var value in values.Where(v => !ours.Remove(new Entry(field, v))))
            {
                if (!content.Has(new Entry(field, value)))
                {
                    throw new WriteBackException($"verification failed: {field} '{value}' (written by someone else) would be lost");
                }
            }
        }
        var ourRegions = removed.SelectMany(r => r.Regions).ToList();
        foreach (var region in foreign.Regions.Where(r => !ourRegions.Remove(r)))
        {
            if (!content.Regions.Contains(region))
            {
                throw new WriteBackException($"verification failed: the region '{region.Name}' (written by someone else) would be lost");
            }
        }
        if (mode == "embedded")
        {
            ImageData.EnsureSame(original.Path, temp);
        }
    }

    private string ReadEmbeddedPacketText(string path)
    {
        var output = exifTool.Run("-xmp", "-b", path);
        if (output.Stderr.Contains("Error", StringComparison.Ordinal))
        {
            throw new WriteBackException($"exiftool cannot read {Path.GetFileName(path)}: {output.Stderr.Trim()}");
        }
        return output.Stdout;
    }

    private byte[]? ReadEmbeddedPacket(string path, byte[]? bytes = null)
    {
        if (!File.Exists(path))
        {
            throw new WriteBackException("the photo is no longer there");
        }
        if (ImageData.TryReadJpegXmp(bytes ?? File.ReadAllBytes(path), out var packet))
        {
            return packet;
        }
        var text = ReadEmbeddedPacketText(path);
        return text.Length == 0 ? null : System.Text.Encoding.UTF8.GetBytes(text);
    }

    private void WriteEmbedded(string target, string temp, byte[] packet)
    {
        var xmpFile = Path.Combine(storage.Value.Dir, "tmp", $"{Guid.NewGuid():N}.xmp");
        Directory.CreateDirectory(Path.GetDirectoryName(xmpFile)!);
        try
        {
            File.WriteAllBytes(xmpFile, packet);
            var output = exifTool.Run($"-xmp<={Path.GetFullPath(xmpFile)}", "-o", temp, target);
            if (!File.Exists(temp))
            {
                throw new WriteBackException($"exiftool did not write the photo: {output.Stderr.Trim()}");
            }
            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite))
            {
                stream.Flush(flushToDisk: true);
            }
        }
        finally
        {
            File.Delete(xmpFile);
        }
    }

    private void CopyOwnership(string target, string temp, Snapshot snapshot)
    {
        if (!snapshot.Exists || OperatingSystem.IsWindows())
        {
            return;
        }
        File.SetUnixFileMode(temp, File.GetUnixFileMode(target));
        if (Settings.Mode == WriteMode.Embedded && Settings.KeepMtime)
        {
            File.SetLastWriteTimeUtc(temp, snapshot.MtimeUtc);
        }
        if (Environment.IsPrivilegedProcess)
        {
            // Root writes files owned by root: give the new file the old one's owner.
            using var chown = System.Diagnostics.Process.Start("chown", ["--reference", target, temp]);
            chown?.WaitForExit();
        }
    }

    private string UndoOne(long id)
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
        if (HashOf(target) != hashAfter)
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
            if (copy is null || !File.Exists(copy) || HashOf(copy) != hashBefore)
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
    private void PruneBackups()
    {
        using var connection = database.Open();
        var cutoff = clock.GetUtcNow().AddDays(-Settings.BackupRetentionDays).ToString("O", CultureInfo.InvariantCulture);
        using var command = connection.Command("SELECT id, backup FROM writes WHERE backup IS NOT NULL AND state IN ('done', 'undone') AND created_at < $cutoff", null, ("$cutoff", cutoff));
        using var reader = command.ExecuteReader();
        var pruned = new List<long>();
        while (reader.Read())
        {
            var path = Path.Combine(storage.Value.Dir, reader.GetString(1));
            if (File.Exists(path))
            {
                File.Delete(path);
            }
            pruned.Add(reader.GetInt64(0));
        }
        foreach (var id in pruned)
        {
            connection.Execute("UPDATE writes SET backup = NULL WHERE id = $id", null, ("$id", id));
        }
    }

    private string? Backup(string target, long writeId)
    {
        var relative = Path.Combine("backups", clock.GetUtcNow().ToString("yyyyMMdd", CultureInfo.InvariantCulture), $"{writeId}-{Path.GetFileName(target)}");
        var full = Path.Combine(storage.Value.Dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.Copy(target, full, overwrite: true);
        return relative;
    }

    private string? KeepCopy(string target, string why)
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

    private static void WriteDurably(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    public static string? HashOf(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    private string Now() => clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    /// <summary>A file as it was when read: to know whether someone else changed it before it is replaced.</summary>
    private sealed record Snapshot(string Path, bool Exists, byte[]? Bytes, string? Hash, long Size, DateTime MtimeUtc)
    {
        public static Snapshot Take(string path)
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return new Snapshot(path, false, null, null, 0, default);
            }
            var bytes = File.ReadAllBytes(path);
            return new Snapshot(path, true, bytes, Convert.ToHexString(SHA256.HashData(bytes)), info.Length, info.LastWriteTimeUtc);
        }

        public bool StillSame(string path)
        {
            var info = new FileInfo(path);
            return Exists
                ? info.Exists && info.Length == Size && info.LastWriteTimeUtc == MtimeUtc && HashOf(path) == Hash
                : !info.Exists;
        }
    }
}
