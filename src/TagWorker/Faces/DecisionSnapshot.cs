using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary>A face as it was: its person, who put it there, whether it was rejected.</summary>
internal sealed record SnapshotFace(long Id, long? PersonId, string? AssignedBy, string? Rejected);

/// <summary>A person as it was; <c>Hidden</c> is null in snapshots taken before people could be hidden.</summary>
internal sealed record SnapshotPerson(
    long Id,
    string? Name,
    long Ignored,
    string CreatedAt,
    string UpdatedAt,
    long? Hidden = null
);

/// <summary>
/// The rows a decision touched, as they were before it (stored as JSON in <c>decisions.undo</c>: these names are the
/// stored format): what undoing it restores, and what tells which later decisions depend on it. <c>Created</c> lists
/// the people the decision made, which its undo deletes.
/// </summary>
internal sealed record DecisionSnapshot(
    SnapshotFace[] Faces,
    SnapshotPerson[] People,
    long[][] CannotLink,
    List<long> Created
)
{
    /// <summary>The rows as they are now, before a decision changes them (inside its transaction).</summary>
    public static DecisionSnapshot Take(
        SqliteConnection connection,
        SqliteTransaction transaction,
        IReadOnlyList<long> faceIds,
        IReadOnlyList<long> personIds
    ) =>
        new(
            faceIds.Select(f => ReadFace(connection, transaction, f)).OfType<SnapshotFace>().ToArray(),
            personIds.Distinct().Select(p => ReadPerson(connection, transaction, p)).OfType<SnapshotPerson>().ToArray(),
            faceIds.SelectMany(f => ReadLinks(connection, transaction, f)).ToArray(),
            []
        );

    /// <summary>Decisions that change people's own rows (name, ignored, hidden, existence); the others only move
    /// faces.</summary>
    public static bool ChangesPeople(string kind) =>
        kind is "name" or "rename" or "merge" or "hide" or "unhide" or "show-again" or "ignore";

    /// <summary>
    /// The rows a decision changed, as its snapshot records them (faces, their "not this person" links, people created,
    /// and people it renamed, merged, hid or ignored); the people it only moved faces between (context: an undo puts
    /// the faces back, re-creating a person that is gone, and leaves their names alone); and the people whose existence
    /// it changed (created, or merged away).
    /// </summary>
    public (HashSet<string> Changed, HashSet<string> Context, HashSet<string> Existence) Rows(string kind)
    {
        var people = People.Select(p => $"p{p.Id}").ToHashSet();
        var created = Created.Select(p => $"p{p}").ToHashSet();
        var changed = Faces
            .Select(f => $"f{f.Id}")
            .Concat(CannotLink.Select(l => $"f{l[0]}"))
            .Concat(created)
            .Concat(ChangesPeople(kind) ? people : [])
            .ToHashSet();
        return (changed, ChangesPeople(kind) ? [] : people, [.. created, .. kind == "merge" ? people : []]);
    }

    public void Restore(SqliteConnection connection, SqliteTransaction transaction, bool changedPeople)
    {
        foreach (var p in People)
        {
            // A person the decision only took faces from keeps what later decisions made of it; one that is gone comes
            // back.
            connection.Execute(
                changedPeople
                    ? """
                    INSERT INTO people (id, name, ignored, hidden, created_at, updated_at) VALUES ($id, $n, $i, coalesce($h, 0), $c, $u)
                    ON CONFLICT (id) DO UPDATE SET name = $n, ignored = $i, hidden = coalesce($h, hidden), updated_at = $u
                    """
                    : """
                    INSERT OR IGNORE INTO people (id, name, ignored, hidden, created_at, updated_at) VALUES ($id, $n, $i, coalesce($h, 0), $c, $u)
                    """,
                transaction,
                ("$id", p.Id),
                ("$n", p.Name),
                ("$i", p.Ignored),
                ("$h", p.Hidden),
                ("$c", p.CreatedAt),
                ("$u", p.UpdatedAt)
            );
        }
        foreach (var f in Faces)
        {
            connection.Execute(
                "UPDATE faces SET person_id = $p, assigned_by = $a, rejected = $r WHERE id = $id",
                transaction,
                ("$p", f.PersonId),
                ("$a", f.AssignedBy),
                ("$r", f.Rejected),
                ("$id", f.Id)
            );
            connection.Execute("DELETE FROM cannot_link WHERE face_id = $id", transaction, ("$id", f.Id));
        }
        foreach (var link in CannotLink)
        {
            connection.Execute(
                "INSERT OR IGNORE INTO cannot_link (face_id, person_id) VALUES ($f, $p)",
                transaction,
                ("$f", link[0]),
                ("$p", link[1])
            );
        }
        foreach (var created in Created)
        {
            connection.Execute("DELETE FROM people WHERE id = $id", transaction, ("$id", created));
        }
    }

    private static SnapshotFace? ReadFace(SqliteConnection c, SqliteTransaction t, long id) =>
        c.Rows(
                "SELECT id, person_id, assigned_by, rejected FROM faces WHERE id = $id",
                r => new SnapshotFace(
                    r.GetInt64(0),
                    r.GetNullableInt64(1),
                    r.GetNullableString(2),
                    r.GetNullableString(3)
                ),
                t,
                ("$id", id)
            )
            .FirstOrDefault();

    private static SnapshotPerson? ReadPerson(SqliteConnection c, SqliteTransaction t, long id) =>
        c.Rows(
                "SELECT id, name, ignored, created_at, updated_at, hidden FROM people WHERE id = $id",
                r => new SnapshotPerson(
                    r.GetInt64(0),
                    r.GetNullableString(1),
                    r.GetInt64(2),
                    r.GetString(3),
                    r.GetString(4),
                    r.GetInt64(5)
                ),
                t,
                ("$id", id)
            )
            .FirstOrDefault();

    private static List<long[]> ReadLinks(SqliteConnection c, SqliteTransaction t, long faceId) =>
        c.Rows(
            "SELECT face_id, person_id FROM cannot_link WHERE face_id = $f",
            r => new[] { r.GetInt64(0), r.GetInt64(1) },
            t,
            ("$f", faceId)
        );
}
