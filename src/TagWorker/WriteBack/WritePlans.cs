using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary>What one photo's write is to do: the changes, what TagWorker wrote before, what each subject means in
/// XMP.</summary>
/// <param name="Repair">Set when the owner chose "write ours again" on a conflict: only that file is written, every
/// subject's values again, and the values the last write there had replaced are taken out again.</param>
internal sealed record Plan(
    long PhotoId,
    List<Change> Changes,
    List<WrittenRow> Before,
    List<WrittenRow> Kept,
    int StoredW,
    int StoredH,
    Dictionary<string, Wanted> Wanted,
    List<string> Paths,
    Repair? Repair = null
);

/// <summary>
/// Which photos get written and what each is to get: the approved changes (and the names refused by the name rule,
/// as notes), and the files the owner asked to have TagWorker's values written into again after a conflict.
/// </summary>
public sealed class WritePlans(Database database, WriteConflicts conflicts, IOptions<WriteBackOptions> options)
{
    private WriteBackOptions Settings => options.Value;

    /// <summary>Repairs first; a photo being repaired waits for its other changes until the next apply.</summary>
    internal List<Plan> Load(List<string> notes)
    {
        var repairs = LoadRepairs();
        return [.. repairs, .. LoadPlans(notes, repairs.Select(r => r.PhotoId).ToHashSet())];
    }

    /// <summary>The files the owner asked to have TagWorker's values written into again, one plan each.</summary>
    private List<Plan> LoadRepairs()
    {
        var plans = new List<Plan>();
        using var connection = database.Open();
        foreach (var repair in conflicts.Repairs())
        {
            var rows = WriteJournal.ReadWritten(connection, repair.PhotoId);
            var replaced = conflicts.Replaced(repair.Target);
            var paths = LibraryStore.PathsOf(connection, repair.PhotoId);
            if (Size(connection, repair.PhotoId) is not { } size || rows.Count == 0 || paths.Count == 0)
            {
                conflicts.Repaired(repair.ConflictId); // nothing of TagWorker's left to write there
                continue;
            }
            var before = rows.Select(row =>
                {
                    var mine = row.For(repair.Target);
                    var back = replaced.FirstOrDefault(r => r.Subject == row.Subject)?.For(repair.Target)
                        ?? Entries.None;
                    var both = new Entries(
                        mine.Fields.Union(back.Fields).ToList(),
                        mine.Regions.Union(back.Regions).ToList()
                    );
                    return new WrittenRow(
                        row.Subject,
                        row.Value,
                        both,
                        new Dictionary<string, Entries> { [repair.Target] = both }
                    );
                })
                .ToList();
            var changes = rows.Select(r => new Change(repair.PhotoId, r.Subject, null, r.Value, true)).ToList(); // shown as written again
            var wanted = rows.ToDictionary(
                r => r.Subject,
                r => Want(connection, repair.PhotoId, r.Subject, r.Value, size)
            );
            var (storedW, storedH) = Geometry.StoredSize(size.Width, size.Height, size.Orientation);
            plans.Add(new Plan(repair.PhotoId, changes, before, [], storedW, storedH, wanted, paths, repair));
        }
        return plans;
    }

    private static (int Width, int Height, int Orientation)? Size(SqliteConnection connection, long photo) =>
        connection
            .Rows(
                "SELECT width, height, coalesce(orientation, 1) FROM photos WHERE id = $p AND width IS NOT NULL",
                r => (r.GetInt32(0), r.GetInt32(1), r.GetInt32(2)),
                null,
                ("$p", photo)
            )
            .Cast<(int, int, int)?>()
            .FirstOrDefault();

    /// <summary>What a subject's value means in XMP: a person's keywords and face regions, or an object's
    /// keyword.</summary>
    private Wanted Want(
        SqliteConnection connection,
        long photo,
        string subject,
        string value,
        (int Width, int Height, int Orientation) size
    ) =>
        subject.StartsWith(Subjects.PersonPrefix, StringComparison.Ordinal)
            ? Xmp.ForPerson(
                value,
                Regions(
                    connection,
                    photo,
                    long.Parse(subject[Subjects.PersonPrefix.Length..], CultureInfo.InvariantCulture),
                    value,
                    size.Width,
                    size.Height,
                    size.Orientation
                ),
                Settings
            )
            : Xmp.ForObject(value, Settings);

    private List<Plan> LoadPlans(List<string> notes, HashSet<long> repairing)
    {
        using var connection = database.Open();
        var approvedPhotos = connection
            .Ids("SELECT DISTINCT photo_id FROM approvals")
            .Where(p => !repairing.Contains(p))
            .ToList();
        var approved =
            approvedPhotos.Count == 0 ? [] : Changes.Pending(connection, Settings, approvedPhotos, approvedOnly: true);
        var plans = new List<Plan>();
        foreach (var group in approved.GroupBy(c => c.PhotoId))
        {
            var photo = group.Key;
            if (Size(connection, photo) is not { } size)
            {
                continue;
            }
            var (storedW, storedH) = Geometry.StoredSize(size.Width, size.Height, size.Orientation);
            var changes = group.Where(c => c.After is null || Faces.PersonName.Problem(c.After) is null).ToList();
            foreach (var refused in group.Except(changes))
            {
                notes.Add(
                    $"photo {photo}: '{refused.After}' is not written: {Faces.PersonName.Problem(refused.After!)}"
                );
            }
            var all = WriteJournal.ReadWritten(connection, photo);
            var before = all.Where(w => changes.Any(c => c.Subject == w.Subject)).ToList();
            var kept = all.Except(before).ToList();
            var wanted = new Dictionary<string, Wanted>();
            foreach (var change in changes.Where(c => c.After is not null))
            {
                wanted[change.Subject] = Want(connection, photo, change.Subject, change.After!, size);
            }
            var paths = LibraryStore.PathsOf(connection, photo);
            if (changes.Count > 0)
            {
                plans.Add(new Plan(photo, changes, before, kept, storedW, storedH, wanted, paths));
            }
        }
        return plans;
    }

    private static List<Region> Regions(
        SqliteConnection connection,
        long photo,
        long person,
        string name,
        int width,
        int height,
        int orientation
    ) =>
        connection.Rows(
            "SELECT x, y, w, h FROM faces WHERE photo_id = $p AND person_id = $person AND rejected IS NULL ORDER BY x",
            r =>
            {
                var (x, y, w, h) = Geometry.ToStored(
                    r.GetDouble(0),
                    r.GetDouble(1),
                    r.GetDouble(2),
                    r.GetDouble(3),
                    width,
                    height,
                    orientation
                );
                return Region.FromNormalised(name, x, y, w, h);
            },
            null,
            ("$p", photo),
            ("$person", person)
        );
}
