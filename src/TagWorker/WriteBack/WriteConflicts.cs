using System.Globalization;
using System.Text.Json;
using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary>An open conflict: another program changed or reverted what TagWorker last wrote to a file.</summary>
public sealed record Conflict(long Id, long? PhotoId, string Target, IReadOnlyList<string> Missing, IReadOnlyList<string> Returned, string CreatedAt);

/// <summary>
/// Knows what is TagWorker's on disk: before each write, the file is compared with what TagWorker last
/// left there. Another program's other edits are simply merged with; but when it removed TagWorker's
/// values, or brought back values TagWorker had replaced (a read-modify-write from an older copy, as
/// darktable does from its database), TagWorker does not guess: the write waits for the owner, who
/// chooses "write ours again" or "keep theirs" on the Write-back page.
/// </summary>
public sealed class WriteConflicts(Database database, WriteJournal journal, TimeProvider clock)
{
    /// <summary>Null when the write may go ahead; otherwise what the owner is asked about.</summary>
    public string? Check(long photoId, WriteTarget target, string? currentHash, XmpTree tree, bool dryRun)
    {
        if (journal.LastWrite(target.Relative) is not { } last || last.Hash == currentHash || currentHash is null)
        {
            return null; // never written here, as TagWorker left it, or gone (then it is written afresh)
        }
        using var connection = database.Open();
        var settled = connection.Rows("""
            SELECT resolution FROM conflicts WHERE target = $t AND file_hash = $h ORDER BY id DESC LIMIT 1
            """, r => r.GetNullableString(0), null, ("$t", target.Relative), ("$h", currentHash));
        if (settled is ["ours" or "theirs"])
        {
            return null;
        }
        var values = Xmp.Values(tree);
        var regions = tree.Regions() ?? [];
        var ours = last.After.SelectMany(w => w.Entries.Fields).ToList();
        var missing = ours.Where(e => !values.GetValueOrDefault(e.Field, []).Contains(e.Value)).Select(e => $"{e.Field} '{e.Value}'")
            .Concat(last.After.SelectMany(w => w.Entries.Regions).Where(r => !regions.Contains(r)).Select(r => $"the face region '{r.Name}'"))
            .ToList();
        var replaced = last.Before.SelectMany(w => w.Entries.Fields).Except(ours).ToList();
        var returned = replaced.Where(e => values.GetValueOrDefault(e.Field, []).Contains(e.Value)).Select(e => $"{e.Field} '{e.Value}'").ToList();
        if (missing.Count == 0 && returned.Count == 0)
        {
            return null; // another program's own edits: merged with, nothing of ours touched
        }
        if (!dryRun && settled.Count == 0)
        {
            connection.Execute("""
                INSERT INTO conflicts (photo_id, target, detail, file_hash, created_at) VALUES ($p, $t, $d, $h, $now)
                """, null, ("$p", photoId), ("$t", target.Relative), ("$d", JsonSerializer.Serialize(new { missing, returned })),
                ("$h", currentHash), ("$now", Now()));
        }
        return "another program changed what TagWorker wrote here" +
            (missing.Count > 0 ? $"; removed: {string.Join(", ", missing)}" : "") +
            (returned.Count > 0 ? $"; brought back: {string.Join(", ", returned)}" : "") +
            ". Settle it on the Write-back page (write ours again, or keep theirs)";
    }

    public IReadOnlyList<Conflict> Open()
    {
        using var connection = database.Open();
        return connection.Rows("SELECT id, photo_id, target, detail, created_at FROM conflicts WHERE resolved_at IS NULL ORDER BY id", r =>
        {
            using var detail = JsonDocument.Parse(r.GetString(3));
            string[] List(string name) => [.. detail.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetString() ?? "")];
            return new Conflict(r.GetInt64(0), r.GetNullableInt64(1), r.GetString(2), List("missing"), List("returned"), r.GetString(4));
        });
    }

    public Conflict? Find(long id) => Open().FirstOrDefault(c => c.Id == id);

    /// <summary>Marks a conflict settled; the file as it is then counts as agreed, so the next write goes ahead.</summary>
    public bool Settle(long id, string resolution)
    {
        using var connection = database.Open();
        return connection.Execute("UPDATE conflicts SET resolved_at = $now, resolution = $r WHERE id = $id AND resolved_at IS NULL", null,
            ("$now", Now()), ("$r", resolution), ("$id", id)) == 1;
    }

    private string Now() => clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
}
