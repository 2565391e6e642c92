using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary>An open conflict: another program changed or reverted what TagWorker last wrote to a file.</summary>
public sealed record Conflict(
    long Id,
    long? PhotoId,
    string Target,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Returned,
    string CreatedAt
);

/// <summary>A conflict the owner settled with "write ours again": the next apply rewrites TagWorker's values into that
/// file.</summary>
public sealed record Repair(long ConflictId, long PhotoId, string Target);

/// <summary>What of TagWorker's is missing from a file, and which values it had replaced came back.</summary>
internal sealed record ConflictDetail(
    List<string> Missing,
    List<string> Returned,
    List<Entry> MissingFields,
    List<Region> MissingRegions
);

/// <summary>
/// Knows what is TagWorker's on disk: a file is compared with what TagWorker last left there (before each
/// write, and by the periodic audit). Another program's other edits are simply merged with; but when it
/// removed TagWorker's values, or brought back values TagWorker had replaced (a read-modify-write from an
/// older copy, as darktable does from its database), TagWorker does not guess: writes to that file wait
/// for the owner, who chooses "write ours again" or "keep theirs" on the Write-back page.
/// </summary>
public sealed class WriteConflicts(Database database, WriteJournal journal, TimeProvider clock)
{
    /// <summary>Null when the file holds what TagWorker left there (give or take others' edits); otherwise what the
    /// owner is asked about.</summary>
    public string? Check(long photoId, string target, string? currentHash, XmpTree tree, bool dryRun)
    {
        if (journal.LastWrite(target) is not { } last || last.Hash == currentHash || currentHash is null)
        {
            return null; // never written here, as TagWorker left it, or gone (then it is written afresh)
        }
        using var connection = database.Open();
        var settled = connection.Rows(
            """
            SELECT resolution FROM conflicts WHERE target = $t AND file_hash = $h AND resolution IS NOT NULL ORDER BY id DESC LIMIT 1
            """,
            r => r.GetString(0),
            null,
            ("$t", target),
            ("$h", currentHash)
        );
        if (settled.Count > 0)
        {
            return null; // the owner already settled this very file
        }
        var detail = Compare(connection, photoId, target, last, tree);
        if (detail.Missing.Count == 0 && detail.Returned.Count == 0)
        {
            return null; // another program's own edits: merged with, nothing of ours touched
        }
        if (!dryRun)
        {
            Record(connection, photoId, target, currentHash, detail);
        }
        return "another program changed what TagWorker wrote here"
            + (detail.Missing.Count > 0 ? $"; removed: {string.Join(", ", detail.Missing)}" : "")
            + (detail.Returned.Count > 0 ? $"; brought back: {string.Join(", ", detail.Returned)}" : "")
            + ". Settle it on the Write-back page (write ours again, or keep theirs)";
    }

    /// <summary>
    /// Ours: what the photo's written record and the last write to this file put there. Returned: values the
    /// last write took out that are back, unless the owner accepted the other program's version since.
    /// </summary>
    private static ConflictDetail Compare(
        SqliteConnection connection,
        long photoId,
        string target,
        LastWrite last,
        XmpTree tree
    )
    {
        var values = Xmp.Values(tree);
        var regions = tree.Regions() ?? [];
        var ours = WriteJournal
            .ReadWritten(connection, photoId)
            .Select(w => w.For(target))
            .Concat(last.After.Select(w => w.For(target)))
            .ToList();
        var oursFields = ours.SelectMany(e => e.Fields).Distinct().ToList();
        var missingFields = oursFields.Where(e => !values.GetValueOrDefault(e.Field, []).Contains(e.Value)).ToList();
        var missingRegions = ours.SelectMany(e => e.Regions).Distinct().Where(r => !regions.Contains(r)).ToList();
        var accepted =
            connection.Scalar(
                """
                SELECT 1 FROM conflicts WHERE target = $t AND resolution = 'theirs' AND resolved_at > $w LIMIT 1
                """,
                null,
                ("$t", target),
                ("$w", last.CreatedAt)
            )
            is not null;
        var returned = accepted
            ? []
            : last
                .Before.SelectMany(w => w.For(target).Fields)
                .Except(oursFields)
                .Where(e => values.GetValueOrDefault(e.Field, []).Contains(e.Value))
                .Distinct()
                .ToList();
        return new ConflictDetail(
            [.. Describe(missingFields), .. missingRegions.Select(r => $"{r.Name} (face region)")],
            Describe(returned),
            missingFields,
            missingRegions
        );
    }

    /// <summary>Each name once, with the lists it is in: "Alice (dc:subject, lr:hierarchicalSubject)".</summary>
    private static List<string> Describe(IEnumerable<Entry> entries) =>
        [
            .. entries
                .GroupBy(e => e.Value.Split('|', '/')[^1])
                .Select(g => $"{g.Key} ({string.Join(", ", g.Select(e => e.Field).Distinct())})"),
        ];

    /// <summary>One open conflict per file: found again (by a write or the audit), it is brought up to date, not
    /// repeated.</summary>
    private void Record(SqliteConnection connection, long photoId, string target, string hash, ConflictDetail detail)
    {
        var json = JsonSerializer.Serialize(detail);
        if (
            connection.Execute(
                "UPDATE conflicts SET detail = $d, file_hash = $h WHERE target = $t AND resolved_at IS NULL AND resolution IS NULL",
                null,
                ("$d", json),
                ("$h", hash),
                ("$t", target)
            ) == 0
        )
        {
            connection.Execute(
                "INSERT INTO conflicts (photo_id, target, detail, file_hash, created_at) VALUES ($p, $t, $d, $h, $now)",
                null,
                ("$p", photoId),
                ("$t", target),
                ("$d", json),
                ("$h", hash),
                ("$now", clock.StoredNow())
            );
        }
    }

    public IReadOnlyList<Conflict> Open()
    {
        using var connection = database.Open();
        return connection.Rows(
            "SELECT id, photo_id, target, detail, created_at FROM conflicts WHERE resolved_at IS NULL AND resolution IS NULL ORDER BY id",
            r => Read(r.GetInt64(0), r.GetNullableInt64(1), r.GetString(2), r.GetString(3), r.GetString(4))
        );
    }

    public int OpenCount()
    {
        using var connection = database.Open();
        return Convert.ToInt32(
            connection.Scalar("SELECT count(*) FROM conflicts WHERE resolved_at IS NULL AND resolution IS NULL"),
            CultureInfo.InvariantCulture
        );
    }

    private static Conflict Read(long id, long? photo, string target, string json, string createdAt)
    {
        var detail = Detail(json);
        return new Conflict(id, photo, target, detail.Missing, detail.Returned, createdAt);
    }

    private static ConflictDetail Detail(string json) =>
        JsonSerializer.Deserialize<ConflictDetail>(json) is { } d
            ? d with
            {
                MissingFields = d.MissingFields ?? [],
                MissingRegions = d.MissingRegions ?? [],
            }
            : new ConflictDetail([], [], [], []);

    public Conflict? Find(long id) => Open().FirstOrDefault(c => c.Id == id);

    /// <summary>
    /// "theirs": the file as it is counts as agreed; what the other program removed is no longer TagWorker's to
    /// look for, and what it brought back is its own. "ours": the next apply writes TagWorker's values into the
    /// file again (and takes back out the values it had replaced). False when there is no such open conflict.
    /// </summary>
    public bool Settle(long id, string resolution)
    {
        if (resolution is not ("ours" or "theirs"))
        {
            throw new ArgumentException("the resolution is 'ours' or 'theirs'", nameof(resolution));
        }
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var rows = connection.Rows(
            "SELECT photo_id, target, detail FROM conflicts WHERE id = $id AND resolved_at IS NULL AND resolution IS NULL",
            r => (Photo: r.GetNullableInt64(0), Target: r.GetString(1), Detail: Detail(r.GetString(2))),
            transaction,
            ("$id", id)
        );
        if (rows.Count == 0)
        {
            return false;
        }
        var (photo, target, detail) = rows[0];
        if (resolution == "theirs")
        {
            if (photo is { } p)
            {
                Forget(connection, transaction, p, target, detail);
            }
            connection.Execute(
                "UPDATE conflicts SET resolution = 'theirs', resolved_at = $now WHERE id = $id",
                transaction,
                ("$now", clock.StoredNow()),
                ("$id", id)
            );
        }
        else
        {
            // An earlier "ours" for the same file that never got written is replaced by this one.
            connection.Execute(
                "UPDATE conflicts SET resolved_at = $now WHERE target = $t AND resolution = 'ours' AND resolved_at IS NULL",
                transaction,
                ("$now", clock.StoredNow()),
                ("$t", target)
            );
            connection.Execute("UPDATE conflicts SET resolution = 'ours' WHERE id = $id", transaction, ("$id", id));
        }
        transaction.Commit();
        return true;
    }

    /// <summary>The written record loses, for this file, what the other program removed.</summary>
    private static void Forget(
        SqliteConnection connection,
        SqliteTransaction transaction,
        long photo,
        string target,
        ConflictDetail detail
    )
    {
        var rows = WriteJournal.ReadWritten(connection, photo, transaction);
        foreach (var row in rows)
        {
            var mine = row.For(target);
            var left = new Entries(
                mine.Fields.Except(detail.MissingFields).ToList(),
                mine.Regions.Except(detail.MissingRegions).ToList()
            );
            if (left.Fields.Count == mine.Fields.Count && left.Regions.Count == mine.Regions.Count)
            {
                continue;
            }
            var targets = row.Targets is null ? null : new Dictionary<string, Entries>(row.Targets) { [target] = left };
            var union = targets is null
                ? left
                : new Entries(
                    targets.Values.SelectMany(e => e.Fields).Distinct().ToList(),
                    targets.Values.SelectMany(e => e.Regions).Distinct().ToList()
                );
            WriteJournal.SaveWritten(connection, transaction, photo, [row with { Entries = union, Targets = targets }]);
        }
    }

    /// <summary>Files the owner asked to have TagWorker's values written into again.</summary>
    public IReadOnlyList<Repair> Repairs()
    {
        using var connection = database.Open();
        return connection.Rows(
            "SELECT id, photo_id, target FROM conflicts WHERE resolution = 'ours' AND resolved_at IS NULL AND photo_id IS NOT NULL ORDER BY id",
            r => new Repair(r.GetInt64(0), r.GetInt64(1), r.GetString(2))
        );
    }

    /// <summary>The values the last write to this file took out (to take out again when the owner chose ours), per
    /// subject.</summary>
    public IReadOnlyList<WrittenRow> Replaced(string target) => journal.LastWrite(target)?.Before ?? [];

    public void Repaired(long conflictId)
    {
        using var connection = database.Open();
        connection.Execute(
            "UPDATE conflicts SET resolved_at = $now WHERE id = $id",
            null,
            ("$now", clock.StoredNow()),
            ("$id", conflictId)
        );
    }
}
