using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary>
/// Writes one target of one photo's plan (its sidecar, or the photo itself): read; stop at a conflict; our old
/// values out and the new ones in (<see cref="Xmp"/>); journal; write a temporary file beside it; verify
/// (<see cref="XmpVerifier"/>); swap it in only if nobody changed the target meanwhile
/// (<see cref="FileSnapshot.ReplaceWith"/>), again up to three times when someone did. Whatever one file does, it
/// fails alone, with its reason.
/// </summary>
public sealed class TargetWriter(
    Database database,
    WriteJournal journal,
    EmbeddedXmp embedded,
    ExifTool exifTool,
    FileHasher hasher,
    WriteConflicts conflicts,
    IOptions<WriteBackOptions> options,
    TimeProvider clock,
    ILogger<TargetWriter> logger
)
{
    private WriteBackOptions Settings => options.Value;

    /// <summary>Called with the target's path right before it is swapped in: tests let another program write
    /// there.</summary>
    internal Action<string>? BeforeReplace { get; set; }

    internal sealed record FileOutcome(FileReport Report, Dictionary<string, Entries> Added);

    private delegate FileOutcome Outcome(
        string state,
        string? error,
        long? writeId,
        Dictionary<string, Entries>? added = null
    );

    /// <summary>One file's new XMP, worked out from the file as read: what is taken out, added, carried, and verified
    /// after.</summary>
    private sealed record Edit(
        FileSnapshot Snapshot,
        byte[]? Packet,
        byte[] NewPacket,
        Intended Intended,
        Dictionary<string, Entries> Added,
        CarriedState? CarriedAfter,
        List<string> RemoveKeywords,
        List<string> AddKeywords
    );

    /// <summary>
    /// Writes one target: read, edit, journal, write beside it, verify, replace; again (up to three times) when another
    /// program changed the file meanwhile. Whatever one file does, it fails alone, with its reason.
    /// </summary>
    internal FileOutcome Write(Plan plan, string relativePhoto, WriteTarget target, bool dryRun)
    {
        var addedNames = plan
            .Changes.Where(c => c.After is not null && c.After != c.Before)
            .Select(c => c.After!)
            .ToArray();
        var removedNames = plan
            .Changes.Where(c => c.Before is not null && c.After != c.Before)
            .Select(c => c.Before!)
            .ToArray();
        FileOutcome Outcome(string state, string? error, long? id, Dictionary<string, Entries>? added = null) =>
            new(
                new FileReport(plan.PhotoId, target.Relative, target.Mode, addedNames, removedNames, state, error, id),
                added ?? []
            );

        for (var attempt = 1; ; attempt++)
        {
            long? writeId = null;
            string? temp = null;
            try
            {
                var (finished, edit) = Prepare(
                    plan,
                    relativePhoto,
                    target,
                    FileSnapshot.Take(target.Path),
                    dryRun,
                    Outcome
                );
                if (finished is not null)
                {
                    return finished;
                }
                using var connection = database.Open();
                writeId = journal.Start(
                    connection,
                    plan.PhotoId,
                    relativePhoto,
                    target,
                    addedNames,
                    removedNames,
                    plan.Before,
                    AfterRows(
                        plan,
                        new Dictionary<string, Dictionary<string, Entries>> { [target.Relative] = edit!.Added }
                    ),
                    edit.Snapshot.Hash
                );
                temp = Path.Combine(
                    Path.GetDirectoryName(target.Path)!,
                    $".{Path.GetFileNameWithoutExtension(target.Path).Replace('%', '_')}.tagworker-{writeId}{Path.GetExtension(target.Path).Replace('%', '_')}"
                );
                WriteJournal.SetTemp(connection, writeId.Value, temp); // journaled before it exists: a crash while it is written still finds it
                if (Replace(connection, plan, target, edit, writeId.Value, temp))
                {
                    WriteJournal.Done(
                        connection,
                        writeId.Value,
                        target.Mode == "embedded" ? relativePhoto : null,
                        target.Path
                    );
                    WriteJournal.SetCarried(connection, target.Relative, edit.CarriedAfter);
                    return Outcome("done", null, writeId, edit.Added);
                }
                File.Delete(temp);
                WriteJournal.Fail(connection, writeId.Value, "changed by another program meanwhile; merged again");
                if (attempt >= 3)
                {
                    return Outcome("failed", "the file keeps changing under another program; try again later", writeId);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever one file does (a broken structure a parser did not expect included), it fails alone, with
                // its reason, and every other photo is still written.
                if (temp is not null && File.Exists(temp))
                {
                    File.Delete(temp);
                }
                var reason = e switch
                {
                    UnauthorizedAccessException => $"permission denied: {e.Message}",
                    WriteBackException or IOException => e.Message,
                    _ => $"unexpected {e.GetType().Name}: {e.Message}",
                };
                if (writeId is not null)
                {
                    using var connection = database.Open();
                    WriteJournal.Fail(connection, writeId.Value, reason);
                }
                logger.LogWarning("Could not write metadata for {Path}: {Reason}", target.Relative, reason);
                return Outcome("failed", reason, writeId);
            }
        }
    }

    /// <summary>
    /// The edit of one target as read: our old values out, the new ones in, what readers would lose carried. Or the
    /// outcome when nothing is to be written: malformed XMP (a copy kept), a conflict with another program, a dry run,
    /// or a sidecar TagWorker created that would be left empty (removed instead).
    /// </summary>
    private (FileOutcome? Finished, Edit? Edit) Prepare(
        Plan plan,
        string relativePhoto,
        WriteTarget target,
        FileSnapshot snapshot,
        bool dryRun,
        Outcome outcome
    )
    {
        var packet =
            target.Mode == "embedded"
                ? embedded.Read(target.Path, snapshot.Bytes)
                : snapshot.Bytes ?? (target.SeedFrom is { } seed ? File.ReadAllBytes(seed) : null);
        XmpTree tree;
        try
        {
            tree = XmpTree.Parse(packet);
        }
        catch (XmpFormatException e)
        {
            var copy = dryRun ? null : journal.KeepCopy(target.Path, "malformed", snapshot.Hash);
            return (
                outcome(
                    "failed",
                    $"the existing XMP is malformed ({e.Message}); left untouched"
                        + (copy is null ? "" : $", a copy is in {copy}"),
                    null
                ),
                null
            );
        }
        if (
            plan.Repair is null
            && conflicts.Check(plan.PhotoId, target.Relative, snapshot.Hash, tree, dryRun) is { } conflict
        )
        {
            return (outcome("conflict", conflict, null), null);
        }
        var (hasIptc, iptcKeywords) = embedded.ReadIptc(PhotoOf(target, relativePhoto));
        var inherited =
            target.Mode == "embedded"
                ? new Inherited(null, iptcKeywords)
                : new Inherited(ReadPhotoXmp(PhotoOf(target, relativePhoto)), iptcKeywords);
        var removed = new List<Entries>();
        var added = new Dictionary<string, Entries>();
        var original = Xmp.Values(tree);
        foreach (var change in plan.Changes)
        {
            var previous = plan.Before.FirstOrDefault(w => w.Subject == change.Subject)?.For(target.Relative)
                ?? Entries.None;
            removed.Add(previous);
            Xmp.Remove(tree, previous);
        }
        var kept = plan.Kept.Select(k => k.For(target.Relative)).ToList();
        var allWanted = plan.Wanted.Values.Concat(kept.Select(k => new Wanted(k.Fields, k.Regions))).ToList();
        var carriedBefore = journal.Carried(target.Relative);
        var ours = plan
            .Before.Concat(plan.Kept)
            .SelectMany(w => (w.Targets?.Values ?? []).Append(w.Entries))
            .SelectMany(e => e.Fields.Select(f => f.Value).Concat(e.Regions.Select(r => "region\t" + r)))
            .Concat(
                allWanted.SelectMany(w => w.Fields.Select(f => f.Value).Concat(w.Regions.Select(r => "region\t" + r)))
            )
            .ToHashSet(StringComparer.Ordinal);
        var carried = Xmp.Carry(tree, allWanted, ours, (plan.StoredW, plan.StoredH), inherited);
        foreach (var change in plan.Changes.Where(c => c.After is not null))
        {
            added[change.Subject] = Xmp.Add(tree, plan.Wanted[change.Subject], (plan.StoredW, plan.StoredH));
        }
        if (dryRun)
        {
            return (outcome("would write", null, null, added), null);
        }
        var remaining = added.Values.Concat(kept).Sum(a => a.Fields.Count + a.Regions.Count);
        var carriedAfter = Merge(carriedBefore, carried);
        if (remaining == 0 && carriedAfter is not null)
        {
            // The last of TagWorker's values left: what it carried in goes too, and every reader sees what it saw
            // before.
            Xmp.Uncarry(tree, carriedAfter);
            carriedAfter = null;
        }
        if (target.Mode == "sidecar" && remaining == 0 && journal.CreatedAndUntouched(target, snapshot.Hash))
        {
            // A sidecar TagWorker created holds nothing of TagWorker's any more: an empty sidecar would hide the
            // photo's own metadata.
            return (
                Remove(plan, target, snapshot, removed, (state, error, id, a) => outcome(state, error, id, a)),
                null
            );
        }
        tree.SetSimple(
            XmpTree.NsXmp,
            "MetadataDate",
            clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture)
        );
        var newPacket = tree.Serialize();
        var intended = Intended(original, Xmp.Values(tree), packet, newPacket);
        var (removeKeywords, addKeywords) =
            target.Mode == "embedded" && hasIptc ? Keywords(plan, iptcKeywords) : ([], []);
        return (
            null,
            new Edit(snapshot, packet, newPacket, intended, added, carriedAfter, removeKeywords, addKeywords)
        );
    }

    /// <summary>
    /// Writes the edit beside the target (backup first), verifies the written bytes and puts them in place; false when
    /// another program changed the target since it was read (nothing replaced: merge again).
    /// </summary>
    private bool Replace(
        SqliteConnection connection,
        Plan plan,
        WriteTarget target,
        Edit edit,
        long writeId,
        string temp
    )
    {
        var backup = edit.Snapshot.Exists ? journal.Backup(target.Path, writeId) : null;
        if (target.Mode == "sidecar")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target.Path)!);
            FileSnapshot.WriteDurably(temp, edit.NewPacket);
        }
        else
        {
            embedded.Write(target.Path, temp, edit.NewPacket, edit.RemoveKeywords, edit.AddKeywords);
        }
        var result = File.ReadAllBytes(temp); // read once: verified and hashed from these bytes
        Verify(target, temp, result, edit.Packet, edit.Intended, edit.Snapshot, edit.RemoveKeywords, edit.AddKeywords);
        CopyOwnership(target, temp, edit.Snapshot);
        var hashAfter = Convert.ToHexString(SHA256.HashData(result));
        WriteJournal.Verified(
            connection,
            writeId,
            hashAfter,
            backup,
            temp,
            target.Mode == "embedded" ? plan.PhotoId : null
        );
        BeforeReplace?.Invoke(target.Path);
        return edit.Snapshot.ReplaceWith(temp);
    }

    private static CarriedState? Merge(CarriedState? earlier, CarriedState now) =>
        earlier is null
            ? now.Fields.Count + now.Regions.Count == 0 && !now.Ordered
                ? null
                : now
            : new CarriedState(
                [.. earlier.Fields, .. now.Fields],
                [.. earlier.Regions, .. now.Regions],
                earlier.Ordered || now.Ordered
            );

    /// <summary>The photo a sidecar belongs to (under the library, also when the sidecar is in the mirror).</summary>
    private string PhotoOf(WriteTarget target, string relativePhoto) =>
        target.Mode == "embedded" ? target.Path : Path.Combine(Path.GetFullPath(journal.LibraryRoot), relativePhoto);

    private XmpTree? ReadPhotoXmp(string photo)
    {
        try
        {
            return embedded.Read(photo) is { } packet ? XmpTree.Parse(packet) : null;
        }
        catch (XmpFormatException)
        {
            return null; // a broken packet in the photo: nothing to carry from it
        }
    }

    /// <summary>
    /// What the verifier must find changed in TagWorker's lists and regions, as TagWorker's own tree saw the
    /// edit (removals, additions, carried values); the verifier's independent parser must see exactly that.
    /// </summary>
    private static Intended Intended(
        Dictionary<string, List<string>> before,
        Dictionary<string, List<string>> after,
        byte[]? oldPacket,
        byte[] newPacket
    )
    {
        var removedEntries = new List<Entry>();
        var addedEntries = new List<Entry>();
        foreach (var (key, values) in before)
        {
            removedEntries.AddRange(Minus(values, after[key]).Select(v => new Entry(key, v)));
            addedEntries.AddRange(Minus(after[key], values).Select(v => new Entry(key, v)));
        }
        var oldRegions = XmpTree.Parse(oldPacket).Regions() ?? [];
        var newRegions = XmpTree.Parse(newPacket).Regions() ?? [];
        return new Intended(removedEntries, addedEntries, Minus(oldRegions, newRegions), Minus(newRegions, oldRegions));
    }

    /// <summary>The items of <paramref name="a"/> left after taking out one occurrence of each item of <paramref
    /// name="b"/>.</summary>
    private static List<T> Minus<T>(List<T> a, List<T> b)
    {
        var left = new List<T>(a);
        b.ForEach(item => left.Remove(item));
        return left;
    }

    private void Verify(
        WriteTarget target,
        string temp,
        byte[] result,
        byte[]? oldPacket,
        Intended intended,
        FileSnapshot original,
        IReadOnlyList<string> removeKeywords,
        IReadOnlyList<string> addKeywords
    )
    {
        var newPacket = target.Mode == "sidecar" ? result : embedded.Read(temp, result);
        XmpVerifier.Check(oldPacket, newPacket ?? [], intended);
        if (target.Mode == "embedded")
        {
            XmpVerifier.CheckTags(exifTool, target.Path, temp, removeKeywords, addKeywords);
            var before = hasher.Identify(target.Path).Image;
            var after = hasher.Identify(temp).Image;
            if (before is null || after is null || !before.AsSpan().SequenceEqual(after))
            {
                throw new WriteBackException("verification failed: the image data changed");
            }
        }
    }

    /// <summary>The IPTC keywords kept in step with dc:subject: our flat values removed and added.</summary>
    private static (List<string> Remove, List<string> Add) Keywords(Plan plan, IReadOnlyList<string> existing)
    {
        var remove = plan
            .Before.SelectMany(w => w.Entries.Fields)
            .Where(f => f.Field == "dc:subject")
            .Select(f => f.Value)
            .Where(existing.Contains)
            .ToList();
        var add = plan
            .Wanted.Values.SelectMany(w => w.Fields)
            .Where(f => f.Field == "dc:subject")
            .Select(f => f.Value)
            .Where(v => !existing.Contains(v) || remove.Contains(v))
            .Distinct()
            .ToList();
        return (remove.Except(add).ToList(), add.Except(existing.Except(remove)).ToList());
    }

    private FileOutcome Remove(
        Plan plan,
        WriteTarget target,
        FileSnapshot snapshot,
        List<Entries> removed,
        Func<string, string?, long?, Dictionary<string, Entries>?, FileOutcome> outcome
    )
    {
        using var connection = database.Open();
        WriteJournal.SetCarried(connection, target.Relative, null);
        var writeId = journal.Start(
            connection,
            plan.PhotoId,
            target.Relative,
            target,
            [],
            plan.Changes.Where(c => c.Before is not null).Select(c => c.Before!).ToArray(),
            plan.Before,
            AfterRows(plan, new Dictionary<string, Entries>()),
            snapshot.Hash
        );
        var backup = journal.Backup(target.Path, writeId);
        WriteJournal.Verified(connection, writeId, null, backup, null, null);
        File.Delete(target.Path);
        WriteJournal.Done(connection, writeId, null, target.Path);
        return outcome("removed", null, writeId, null);
    }

    private static List<WrittenRow> AfterRows(Plan plan, Dictionary<string, Entries> added) =>
        plan
            .Changes.Where(c => c.After is not null)
            .Select(c => new WrittenRow(c.Subject, c.After!, added.GetValueOrDefault(c.Subject) ?? Entries.None))
            .ToList();

    /// <summary>Each subject's entries, per file written in this apply, and their union (what the conflict check looks
    /// for).</summary>
    internal static List<WrittenRow> AfterRows(Plan plan, Dictionary<string, Dictionary<string, Entries>> perTarget) =>
        plan
            .Changes.Where(c => c.After is not null)
            .Select(c =>
            {
                var targets = perTarget.ToDictionary(
                    t => t.Key,
                    t => t.Value.GetValueOrDefault(c.Subject) ?? Entries.None
                );
                var union = new Entries(
                    targets.Values.SelectMany(e => e.Fields).Distinct().ToList(),
                    targets.Values.SelectMany(e => e.Regions).Distinct().ToList()
                );
                return new WrittenRow(c.Subject, c.After!, union, targets);
            })
            .ToList();

    private void CopyOwnership(WriteTarget target, string temp, FileSnapshot snapshot)
    {
        if (!snapshot.Exists || OperatingSystem.IsWindows())
        {
            return;
        }
        File.SetUnixFileMode(temp, File.GetUnixFileMode(target.Path));
        if (target.Mode == "embedded" && Settings.KeepMtime)
        {
            File.SetLastWriteTimeUtc(temp, snapshot.MtimeUtc);
        }
        if (Environment.IsPrivilegedProcess)
        {
            // Root writes files owned by root: give the new file the old one's owner.
            using var chown = System.Diagnostics.Process.Start("chown", ["--reference", target.Path, temp]);
            chown?.WaitForExit();
        }
    }
}
