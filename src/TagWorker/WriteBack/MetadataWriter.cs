using System.Security.Cryptography;
using System.Globalization;
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
public sealed class MetadataWriter(Database database, WriteJournal journal, EmbeddedXmp embedded, IOptions<WriteBackOptions> options,
    IOptions<LibraryOptions> library, TimeProvider clock, ILogger<MetadataWriter> logger) : IDisposable
{
    public void Dispose() => _gate.Dispose();

    private readonly SemaphoreSlim _gate = new(1, 1);

    private WriteBackOptions Settings => options.Value;

    /// <summary>Called with the target's path right before the changed-meanwhile check: tests let another program write there.</summary>
    internal Action<string>? BeforeReplace { get; set; }

    private sealed record Plan(long PhotoId, List<Change> Changes, List<WrittenRow> Before, int StoredW, int StoredH,
        Dictionary<string, Wanted> Wanted, List<string> Paths);

    public async Task<ApplyReport> ApplyAsync(bool dryRun, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            journal.Recover();
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
                journal.PruneBackups();
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
                    messages.Add(journal.Undo(id));
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

    public IReadOnlyList<long> WritesSince(DateTimeOffset since) => journal.WritesSince(since);

    /// <summary>Finishes or rolls back writes a crash interrupted (also done before every apply).</summary>
    public void Recover() => journal.Recover();

    private List<Plan> LoadPlans()
    {
        using var connection = database.Open();
        var approvedPhotos = connection.Ids("SELECT DISTINCT photo_id FROM approvals");
        var approved = approvedPhotos.Count == 0 ? [] : Changes.Pending(connection, Settings, approvedPhotos, approvedOnly: true);
        var plans = new List<Plan>();
        foreach (var group in approved.GroupBy(c => c.PhotoId))
        {
            var photo = group.Key;
            var size = connection.Rows("SELECT width, height, coalesce(orientation, 1) FROM photos WHERE id = $p AND width IS NOT NULL",
                r => (Width: r.GetInt32(0), Height: r.GetInt32(1), Orientation: r.GetInt32(2)), null, ("$p", photo));
            if (size.Count == 0)
            {
                continue;
            }
            var (width, height, orientation) = size[0];
            var (storedW, storedH) = Geometry.StoredSize(width, height, orientation);
            var changes = group.ToList();
            var before = WriteJournal.ReadWritten(connection, photo).Where(w => changes.Any(c => c.Subject == w.Subject)).ToList();
            var wanted = new Dictionary<string, Wanted>();
            foreach (var change in changes.Where(c => c.After is not null))
            {
                wanted[change.Subject] = change.IsPerson
                    ? Xmp.ForPerson(change.After!, Regions(connection, photo, long.Parse(change.Subject[Subjects.PersonPrefix.Length..], CultureInfo.InvariantCulture),
                        change.After!, width, height, orientation), Settings)
                    : Xmp.ForObject(change.After!, Settings);
            }
            var paths = connection.Rows("SELECT path FROM files WHERE photo_id = $p AND state = 'present' ORDER BY path", r => r.GetString(0), null, ("$p", photo));
            plans.Add(new Plan(photo, changes, before, storedW, storedH, wanted, paths));
        }
        return plans;
    }

    private static List<Region> Regions(SqliteConnection connection, long photo, long person, string name, int width, int height, int orientation) =>
        connection.Rows("SELECT x, y, w, h FROM faces WHERE photo_id = $p AND person_id = $person AND rejected IS NULL ORDER BY x", r =>
        {
            var (x, y, w, h) = Geometry.ToStored(r.GetDouble(0), r.GetDouble(1), r.GetDouble(2), r.GetDouble(3), width, height, orientation);
            return Region.FromNormalised(name, x, y, w, h);
        }, null, ("$p", photo), ("$person", person));

    private sealed record FileOutcome(FileReport Report, Dictionary<string, Entries> Added);

    private FileOutcome WriteFile(Plan plan, string relative, bool dryRun, List<string> notes)
    {
        var mode = Settings.Mode == WriteMode.Embedded ? "embedded" : "sidecar";
        var target = journal.TargetPath(relative, mode);
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
                var snapshot = FileSnapshot.Take(target);
                var packet = mode == "sidecar" ? snapshot.Bytes : embedded.Read(target, snapshot.Bytes);
                IXmpMeta meta;
                try
                {
                    meta = Xmp.Parse(packet);
                }
                catch (XmpException e)
                {
                    var kept = dryRun ? null : journal.KeepCopy(target, "malformed");
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
                var backup = snapshot.Exists ? journal.Backup(target, writeId.Value) : null;
                if (mode == "sidecar")
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    FileSnapshot.WriteDurably(temp, newPacket);
                }
                else
                {
                    embedded.Write(target, temp, newPacket);
                }
                var written = File.ReadAllBytes(temp); // read once: verified and hashed from these bytes
                VerifyContent(temp, written, mode, plan, foreign, removeAll, snapshot);
                CopyOwnership(target, temp, snapshot);
                var hashAfter = Convert.ToHexString(SHA256.HashData(written));
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
        WriteJournal.SaveWritten(connection, transaction, plan.PhotoId, AfterRows(plan, added));
        transaction.Commit();
    }

    /// <summary>Reads the result back: every intended value is there and every value someone else wrote survived.</summary>
    private void VerifyContent(string temp, byte[] written, string mode, Plan plan, XmpContent foreign, List<Entries> removed, FileSnapshot original)
    {
        var packet = mode == "sidecar" ? written : embedded.Read(temp, written);
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
            ImageData.EnsureSame(original.Bytes!, written);
        }
    }

    private void CopyOwnership(string target, string temp, FileSnapshot snapshot)
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

    private string Now() => clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
}
