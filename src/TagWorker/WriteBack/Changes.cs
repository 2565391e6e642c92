using System.Text.Json;
using Microsoft.Data.Sqlite;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary>One keyword set that would change in one photo: a person (by id, so a rename is one change) or an object
/// label.</summary>
public sealed record Change(long PhotoId, string Subject, string? Before, string? After, bool Approved)
{
    public bool IsPerson => Subject.StartsWith(Subjects.PersonPrefix, StringComparison.Ordinal);
}

/// <summary>A change the owner dropped from the write-back list: <paramref name="Name"/> is the person's name or the
/// object label.</summary>
/// <param name="Path">One of the photo's files, relative to the library (null when none is present).</param>
public sealed record Hold(long PhotoId, string Subject, string Name, string CreatedAt, string? Path)
{
    public bool IsPerson => Subject.StartsWith(Subjects.PersonPrefix, StringComparison.Ordinal);
}

public static class Subjects
{
    public const string PersonPrefix = "person:";
    public const string ObjectPrefix = "object:";

    public static string Person(long id) =>
        PersonPrefix + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string ForObject(string label) => ObjectPrefix + label;
}

/// <summary>Which changes an approval is for: every pending change, one person's, or one photo's; with PeopleOnly,
/// names but no object labels.</summary>
public sealed record ApprovalScope(long? PersonId = null, long? PhotoId = null, bool PeopleOnly = false)
{
    public static ApprovalScope All { get; } = new();
}

/// <summary>
/// What the owner's decisions mean for the photos' metadata: the desired keyword sets (named, not ignored
/// people whose faces were not rejected, and object labels) against what TagWorker last wrote, less the changes the
/// owner dropped (write_holds: that subject in that photo is left as it is). Only differences the owner approved are
/// ever written.
/// </summary>
public static class Changes
{
    /// <summary>
    /// SQL for the pending changes: columns photo_id, subject, before, after, approved. $photos (a JSON array of ids,
    /// or NULL for all) and $person (or NULL) narrow every branch before the join, so one photo's changes never
    /// evaluate the whole library.
    /// </summary>
    private static string Sql(IReadOnlyList<string> skipped, bool approvals = true) =>
        $"""
        WITH desired (photo_id, subject, value) AS (
            SELECT DISTINCT f.photo_id, 'person:' || pe.id, pe.name
            FROM faces f JOIN people pe ON pe.id = f.person_id JOIN photos ph ON ph.id = f.photo_id
            WHERE pe.name IS NOT NULL AND pe.ignored = 0 AND f.rejected IS NULL AND ph.removed_at IS NULL
              AND ($photos IS NULL OR f.photo_id IN (SELECT value FROM json_each($photos)))
              AND ($person IS NULL OR pe.id = $person)
            UNION ALL -- person and object subjects never collide: no second de-duplication
            SELECT DISTINCT o.photo_id, 'object:' || o.label, o.label
            FROM objects o JOIN photos ph ON ph.id = o.photo_id
            WHERE ph.removed_at IS NULL AND o.label NOT IN ({string.Join(", ", skipped.Select((_, i) => $"$skip{i}").DefaultIfEmpty("''"))})
              AND ($photos IS NULL OR o.photo_id IN (SELECT value FROM json_each($photos)))
              AND $person IS NULL
        ),
        changes (photo_id, subject, before, after) AS (
            SELECT d.photo_id, d.subject, w.value, d.value FROM desired d
            LEFT JOIN written w ON w.photo_id = d.photo_id AND w.subject = d.subject
            WHERE (w.value IS NULL OR w.value <> d.value)
              AND NOT EXISTS (SELECT 1 FROM write_holds h WHERE h.photo_id = d.photo_id AND h.subject = d.subject)
            UNION ALL
            SELECT w.photo_id, w.subject, w.value, NULL FROM written w JOIN photos ph ON ph.id = w.photo_id
            WHERE ph.removed_at IS NULL
              AND ($photos IS NULL OR w.photo_id IN (SELECT value FROM json_each($photos)))
              AND ($person IS NULL OR w.subject = 'person:' || $person)
              AND NOT EXISTS (SELECT 1 FROM desired d WHERE d.photo_id = w.photo_id AND d.subject = w.subject)
              AND NOT EXISTS (SELECT 1 FROM write_holds h WHERE h.photo_id = w.photo_id AND h.subject = w.subject)
        )
        {(approvals
            ? "SELECT c.photo_id, c.subject, c.before, c.after, a.photo_id IS NOT NULL AS approved FROM changes c LEFT JOIN approvals a ON a.photo_id = c.photo_id AND a.subject = c.subject"
            : "SELECT DISTINCT photo_id FROM changes")}
        """;

    private static (string, object?)[] Parameters(
        IReadOnlyList<string> skipped,
        IEnumerable<long>? photos,
        long? person,
        params (string, object?)[] more
    ) =>
        [
            .. skipped.Select((s, i) => ($"$skip{i}", (object?)s)),
            ("$photos", photos is null ? null : JsonSerializer.Serialize(photos)),
            ("$person", person),
            .. more,
        ];

    /// <summary>Pending changes, optionally only for some photos, only approved ones.</summary>
    public static List<Change> Pending(
        SqliteConnection connection,
        WriteBackOptions options,
        long? photoId = null,
        bool approvedOnly = false,
        SqliteTransaction? transaction = null
    ) => Pending(connection, options, photoId is { } id ? [id] : null, approvedOnly, transaction);

    public static List<Change> Pending(
        SqliteConnection connection,
        WriteBackOptions options,
        IReadOnlyCollection<long>? photoIds,
        bool approvedOnly = false,
        SqliteTransaction? transaction = null
    )
    {
        var skipped = options.SkippedObjects;
        var sql =
            $"SELECT * FROM ({Sql(skipped)})" + (approvedOnly ? " WHERE approved" : "") + " ORDER BY photo_id, subject";
        return connection.Rows(
            sql,
            r => new Change(
                r.GetInt64(0),
                r.GetString(1),
                r.GetNullableString(2),
                r.GetNullableString(3),
                r.GetBoolean(4)
            ),
            transaction,
            Parameters(skipped, photoIds, null)
        );
    }

    /// <summary>Photos with pending changes (of one person, or any), newest id first, one page at a time; and how many
    /// there are.</summary>
    public static (List<long> Photos, long Total) PendingPhotos(
        SqliteConnection connection,
        WriteBackOptions options,
        int offset,
        int limit,
        long? personId = null
    )
    {
        var skipped = options.SkippedObjects;
        if (personId is not null)
        {
            var photos = connection.Ids(
                $"{Sql(skipped, approvals: false)} ORDER BY photo_id DESC",
                null,
                Parameters(skipped, null, personId)
            );
            return (photos.Skip(offset).Take(limit).ToList(), photos.Count);
        }
        Refresh(connection, options);
        var total = (long)connection.Scalar("SELECT count(*) FROM write_pending")!;
        return (
            connection.Ids(
                "SELECT photo_id FROM write_pending ORDER BY photo_id DESC LIMIT $limit OFFSET $offset",
                null,
                ("$limit", limit),
                ("$offset", offset)
            ),
            total
        );
    }

    /// <summary>
    /// Brings <c>write_pending</c> (the photos with changes) up to date: only the photos marked dirty since the last
    /// look (by the triggers of migration 009) are evaluated again, all of them when the skipped objects setting
    /// changed.
    /// </summary>
    public static void Refresh(SqliteConnection connection, WriteBackOptions options)
    {
        var skipped = options.SkippedObjects;
        var basis = string.Join(",", skipped);
        if (
            connection.Scalar("SELECT skipped FROM write_pending_basis WHERE id = 1") as string == basis
            && connection.Scalar("SELECT EXISTS (SELECT 1 FROM write_dirty)") is 0L
        )
        {
            return;
        }
        // The writer lock, so nothing marks photos while they are evaluated; but a page never waits for it: while
        // another writer holds it (a regrouping can take seconds), the list as last evaluated is shown.
        var busyTimeout = Convert.ToInt64(
            connection.Scalar("PRAGMA busy_timeout"),
            System.Globalization.CultureInfo.InvariantCulture
        );
        connection.Execute("PRAGMA busy_timeout = 0");
        SqliteTransaction? transaction = null;
        try
        {
            transaction = connection.BeginTransaction(deferred: false);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6) // SQLITE_BUSY, SQLITE_LOCKED
        { }
        connection.Execute($"PRAGMA busy_timeout = {busyTimeout}", transaction);
        if (transaction is null)
        {
            return;
        }
        using var _ = transaction;
        if (connection.Scalar("SELECT skipped FROM write_pending_basis WHERE id = 1", transaction) as string != basis)
        {
            connection.Execute("INSERT OR IGNORE INTO write_dirty SELECT id FROM photos", transaction);
            connection.Execute(
                "INSERT OR REPLACE INTO write_pending_basis (id, skipped) VALUES (1, $s)",
                transaction,
                ("$s", basis)
            );
        }
        var dirty = connection.Ids("SELECT photo_id FROM write_dirty", transaction);
        foreach (var chunk in dirty.Chunk(20_000))
        {
            var changed = connection.Ids(Sql(skipped, approvals: false), transaction, Parameters(skipped, chunk, null));
            connection.Execute(
                "DELETE FROM write_pending WHERE photo_id IN (SELECT value FROM json_each($ids))",
                transaction,
                ("$ids", JsonSerializer.Serialize(chunk))
            );
            connection.Execute(
                "INSERT INTO write_pending (photo_id) SELECT value FROM json_each($ids)",
                transaction,
                ("$ids", JsonSerializer.Serialize(changed))
            );
        }
        connection.Execute("DELETE FROM write_dirty", transaction);
        transaction.Commit();
    }

    /// <summary>
    /// Drops one pending change: that subject in that photo is left as it is (not added, renamed or removed) until
    /// <see cref="Release"/>; its approval, if any, goes. False when there is no such pending change.
    /// </summary>
    public static bool Hold(
        SqliteConnection connection,
        WriteBackOptions options,
        long photoId,
        string subject,
        string now
    )
    {
        using var transaction = connection.BeginTransaction();
        if (!Pending(connection, options, photoId, transaction: transaction).Any(c => c.Subject == subject))
        {
            return false;
        }
        connection.Execute(
            "INSERT OR IGNORE INTO write_holds (photo_id, subject, created_at) VALUES ($p, $s, $now)",
            transaction,
            ("$p", photoId),
            ("$s", subject),
            ("$now", now)
        );
        connection.Execute(
            "DELETE FROM approvals WHERE photo_id = $p AND subject = $s",
            transaction,
            ("$p", photoId),
            ("$s", subject)
        );
        transaction.Commit();
        return true;
    }

    /// <summary>Lets a dropped change come back to the list (to be approved like any other); false when it was not
    /// dropped.</summary>
    public static bool Release(SqliteConnection connection, long photoId, string subject) =>
        connection.Execute(
            "DELETE FROM write_holds WHERE photo_id = $p AND subject = $s",
            null,
            ("$p", photoId),
            ("$s", subject)
        ) == 1;

    /// <summary>The dropped changes, newest first: photo, subject, and what the subject is called now.</summary>
    public static List<Hold> Holds(SqliteConnection connection, int offset, int limit) =>
        connection.Rows(
            $"""
            SELECT h.photo_id, h.subject, CASE WHEN pe.id IS NOT NULL THEN coalesce(pe.name, 'an unnamed group') ELSE substr(h.subject, 8) END, h.created_at,
                {LibraryStore.FirstPathOf("h.photo_id")}
            FROM write_holds h
            LEFT JOIN people pe ON h.subject = 'person:' || pe.id
            ORDER BY h.created_at DESC, h.photo_id DESC LIMIT $limit OFFSET $offset
            """,
            r => new Hold(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetNullableString(4)),
            null,
            ("$limit", limit),
            ("$offset", offset)
        );

    /// <summary>Approves the pending changes in <paramref name="scope"/>; returns how many changes were
    /// approved.</summary>
    public static int Approve(SqliteConnection connection, WriteBackOptions options, ApprovalScope scope, string now)
    {
        var skipped = options.SkippedObjects;
        return connection.Execute(
            $"""
            INSERT OR IGNORE INTO approvals (photo_id, subject, approved_at)
            SELECT photo_id, subject, $now FROM ({Sql(
                skipped
            )}) WHERE NOT approved AND ($people_only = 0 OR subject LIKE 'person:%')
            """,
            null,
            Parameters(
                skipped,
                scope.PhotoId is { } photo ? [photo] : null,
                scope.PersonId,
                ("$now", now),
                ("$people_only", scope.PeopleOnly)
            )
        );
    }
}
