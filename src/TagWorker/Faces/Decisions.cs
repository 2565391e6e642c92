using System.Text.Json;
using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary>
/// The owner's decisions about people, stored as facts reclustering never overrides: confirmed
/// faces (assigned_by = 'user'), rejections, "not this person", ignored groups, names. Each
/// decision records the rows it touched as they were, so any decision can be undone (with the later ones that
/// changed the same rows).
/// </summary>
public sealed class Decisions(Database database, TimeProvider clock)
{
    /// <summary>Names a group (creating the person) and confirms the faces it holds now.</summary>
    public void Name(long personId, string name)
    {
        var faces = FacesOf(personId);
        Decide("name", $"named {Who(personId)}: {Clean(name)} ({faces.Length} faces)", faces, [personId], (c, t, _) =>
        {
            c.Execute(
                "UPDATE people SET name = $n, updated_at = $now WHERE id = $p",
                t,
                ("$n", Clean(name)),
                ("$now", clock.StoredNow()),
                ("$p", personId)
            );
            c.Execute("UPDATE faces SET assigned_by = 'user' WHERE person_id = $p", t, ("$p", personId));
        });
    }

    public void Rename(long personId, string name) =>
        Decide("rename", $"renamed {Who(personId)} to {Clean(name)}", [], [personId], (c, t, _) =>
            c.Execute(
                "UPDATE people SET name = $n, updated_at = $now WHERE id = $p",
                t,
                ("$n", Clean(name)),
                ("$now", clock.StoredNow()),
                ("$p", personId)
            )
        );

    /// <summary>
    /// Moves every face of <paramref name="fromId"/> to <paramref name="intoId"/> and removes the first.
    /// A face the owner said is not <paramref name="intoId"/> stays unassigned: a merge never breaks a "not this
    /// person".
    /// </summary>
    public void Merge(long fromId, long intoId) =>
        Decide(
            "merge",
            $"put {Who(fromId)} into {Who(intoId)}",
            [.. FacesOf(fromId), .. LinkedTo(fromId)],
            [fromId, intoId],
            (c, t, _) =>
            {
                c.Execute(
                    "UPDATE faces SET person_id = NULL, assigned_by = NULL WHERE person_id = $from AND id IN (SELECT face_id FROM cannot_link WHERE person_id = $into)",
                    t,
                    ("$into", intoId),
                    ("$from", fromId)
                );
                c.Execute(
                    "UPDATE faces SET person_id = $into, assigned_by = 'user' WHERE person_id = $from",
                    t,
                    ("$into", intoId),
                    ("$from", fromId)
                );
                // "Not <from>" becomes "not <into>", except for faces that are <into>'s own.
                c.Execute(
                    "DELETE FROM cannot_link WHERE person_id = $from AND face_id IN (SELECT id FROM faces WHERE person_id = $into)",
                    t,
                    ("$into", intoId),
                    ("$from", fromId)
                );
                c.Execute(
                    "UPDATE OR IGNORE cannot_link SET person_id = $into WHERE person_id = $from",
                    t,
                    ("$into", intoId),
                    ("$from", fromId)
                );
                c.Execute("DELETE FROM people WHERE id = $from", t, ("$from", fromId));
            }
        );

    /// <summary>Puts one face with a person, and records that it is not the person it was with.</summary>
    public void Move(long faceId, long personId)
    {
        var previous = PersonOf(faceId);
        Decide(
            "move",
            $"moved a face to {Who(personId)}" + (previous is { } from ? $" (from {Who(from)})" : ""),
            [faceId],
            previous is null ? [personId] : [personId, previous.Value],
            (c, t, _) =>
            {
                if (previous is not null && previous != personId)
                {
                    c.Execute(
                        "INSERT OR IGNORE INTO cannot_link (face_id, person_id) VALUES ($f, $p)",
                        t,
                        ("$f", faceId),
                        ("$p", previous)
                    );
                }
                c.Execute(
                    "DELETE FROM cannot_link WHERE face_id = $f AND person_id = $p",
                    t,
                    ("$f", faceId),
                    ("$p", personId)
                );
                c.Execute(
                    "UPDATE faces SET person_id = $p, assigned_by = 'user', rejected = NULL WHERE id = $f",
                    t,
                    ("$p", personId),
                    ("$f", faceId)
                );
            }
        );
    }

    /// <summary>Makes a new person of the given faces; returns its id.</summary>
    public long Split(IReadOnlyList<long> faceIds, string? name)
    {
        long created = 0;
        Decide(
            "split",
            $"made {(string.IsNullOrWhiteSpace(name) ? "a new group" : Clean(name))} of {faceIds.Count} {(faceIds.Count == 1 ? "face" : "faces")}",
            faceIds,
            faceIds.Select(PersonOf).OfType<long>().Distinct().ToArray(),
            (c, t, made) =>
            {
                created = (long)
                    c.Scalar(
                        "INSERT INTO people (name, created_at, updated_at) VALUES ($n, $now, $now) RETURNING id",
                        t,
                        ("$n", name is null ? null : Clean(name)),
                        ("$now", clock.StoredNow())
                    )!;
                made.Add(created);
                foreach (var face in faceIds)
                {
                    c.Execute(
                        "UPDATE faces SET person_id = $p, assigned_by = 'user', rejected = NULL WHERE id = $f",
                        t,
                        ("$p", created),
                        ("$f", face)
                    );
                }
            }
        );
        return created;
    }

    /// <summary>"Not this person": the face leaves its person and never joins it again automatically.</summary>
    public void NotThisPerson(long faceId)
    {
        var person = PersonOf(faceId);
        if (person is null)
        {
            return;
        }
        Decide(
            "not-this-person",
            $"took a face out of {Who(person.Value)}: not them",
            [faceId],
            [person.Value],
            (c, t, _) =>
            {
                c.Execute(
                    "INSERT OR IGNORE INTO cannot_link (face_id, person_id) VALUES ($f, $p)",
                    t,
                    ("$f", faceId),
                    ("$p", person)
                );
                c.Execute("UPDATE faces SET person_id = NULL, assigned_by = NULL WHERE id = $f", t, ("$f", faceId));
            }
        );
    }

    /// <summary>
    /// "Not them" for faces outside the person (the owner answered no to "Is this them?"): they are never suggested
    /// for, nor joined to, that person again. Undone like every decision.
    /// </summary>
    public void NotThem(IReadOnlyList<long> faceIds, long personId) =>
        Decide(
            "not-them",
            $"said {faceIds.Count} {(faceIds.Count == 1 ? "face is" : "faces are")} not {Who(personId)}",
            faceIds,
            [personId],
            (c, t, _) =>
            {
                foreach (var face in faceIds)
                {
                    c.Execute(
                        "INSERT OR IGNORE INTO cannot_link (face_id, person_id) VALUES ($f, $p)",
                        t,
                        ("$f", face),
                        ("$p", personId)
                    );
                }
            }
        );

    /// <summary>Confirms faces where they are: regrouping will keep them with their person.</summary>
    public void Accept(IReadOnlyList<long> faceIds) =>
        Decide("accept", $"confirmed {faceIds.Count} faces", faceIds, [], (c, t, _) =>
        {
            foreach (var face in faceIds)
            {
                c.Execute(
                    "UPDATE faces SET assigned_by = 'user' WHERE id = $f AND person_id IS NOT NULL",
                    t,
                    ("$f", face)
                );
            }
        });

    /// <summary>"Not a face" or "stranger, ignore": the face is never grouped again.</summary>
    public void Reject(long faceId, string reason) =>
        Decide(
            "reject",
            $"marked a face as {(reason == "stranger" ? "a stranger" : "not a face")}",
            [faceId],
            PersonOf(faceId) is { } p ? [p] : [],
            (c, t, _) =>
                c.Execute(
                    "UPDATE faces SET person_id = NULL, assigned_by = NULL, rejected = $r WHERE id = $f",
                    t,
                    (
                        "$r",
                        reason is "not_a_face" or "stranger"
                            ? reason
                            : throw new ArgumentException($"unknown reason '{reason}'", nameof(reason))
                    ),
                    ("$f", faceId)
                )
        );

    /// <summary>A rejected face is a face again (the owner said so): in no group, to be grouped and named like the
    /// others.</summary>
    public void BringBack(long faceId) =>
        Decide("bring-back", "brought back a face marked as not a face or a stranger", [faceId], [], (c, t, _) =>
            c.Execute(
                "UPDATE faces SET rejected = NULL, assigned_by = NULL, person_id = NULL WHERE id = $f AND rejected IS NOT NULL",
                t,
                ("$f", faceId)
            )
        );

    /// <summary>Ignores a whole group: its faces stay with it (so it does not come back), and it is not offered for
    /// naming.</summary>
    public void Ignore(long personId) =>
        Decide("ignore", $"ignored {Who(personId)}", [], [personId], (c, t, _) =>
            c.Execute(
                "UPDATE people SET ignored = 1, updated_at = $now WHERE id = $p",
                t,
                ("$now", clock.StoredNow()),
                ("$p", personId)
            )
        );

    /// <summary>Hides a named person from the People page, or lists them again; recognition and write-back go
    /// on.</summary>
    public void Hide(long personId, bool hidden) =>
        Decide(
            hidden ? "hide" : "unhide",
            hidden ? $"hid {Who(personId)} from People" : $"listed {Who(personId)} in People again",
            [],
            [personId],
            (c, t, _) =>
                c.Execute(
                    "UPDATE people SET hidden = $h, updated_at = $now WHERE id = $p",
                    t,
                    ("$h", hidden ? 1 : 0),
                    ("$now", clock.StoredNow()),
                    ("$p", personId)
                )
        );

    /// <summary>An ignored group is offered again (its faces stayed with it).</summary>
    public void ShowAgain(long personId) =>
        Decide("show-again", $"showed {Who(personId)} again", [], [personId], (c, t, _) =>
            c.Execute(
                "UPDATE people SET ignored = 0, updated_at = $now WHERE id = $p",
                t,
                ("$now", clock.StoredNow()),
                ("$p", personId)
            )
        );

    /// <summary>Undoes the most recent decision not yet undone; false when there is none.</summary>
    public bool UndoLast()
    {
        using var connection = database.Open();
        return connection.Scalar("SELECT max(id) FROM decisions WHERE undone_at IS NULL") is long last
            && Undo(last).Count > 0;
    }

    /// <summary>
    /// What undoing decision <paramref name="id"/> takes with it: that decision and every later one, not yet undone,
    /// that changed one of the same faces or people (or one changed by a decision already taken), oldest first.
    /// Empty when the decision does not exist or is already undone. Undoing a decision alone is safe exactly when
    /// this holds only it: the later decisions touched other rows, so restoring its rows cannot undo them by accident.
    /// </summary>
    public IReadOnlyList<long> UndoPlan(long id)
    {
        using var connection = database.Open();
        return Plan(connection, null, id);
    }

    /// <summary>
    /// Undoes decision <paramref name="id"/> and the later ones that depend on it (see <see cref="UndoPlan"/>), newest
    /// first, in one transaction; returns that plan, oldest first. When it holds more than <paramref name="atMost"/>
    /// decisions nothing is undone (the caller asks the owner first).
    /// </summary>
    public IReadOnlyList<long> Undo(long id, int atMost = int.MaxValue)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var plan = Plan(connection, transaction, id);
        if (plan.Count > atMost)
        {
            return plan;
        }
        foreach (var decision in Enumerable.Reverse(plan))
        {
            using var command = connection.Command(
                "SELECT kind, undo FROM decisions WHERE id = $id",
                transaction,
                ("$id", decision)
            );
            using (var reader = command.ExecuteReader())
            {
                reader.Read();
                JsonSerializer
                    .Deserialize<DecisionSnapshot>(reader.GetString(1))!
                    .Restore(connection, transaction, DecisionSnapshot.ChangesPeople(reader.GetString(0)));
            }
            connection.Execute(
                "UPDATE decisions SET undone_at = $now WHERE id = $id",
                transaction,
                ("$now", clock.StoredNow()),
                ("$id", decision)
            );
        }
        // Faces the algorithm had put in a person this undo removed are simply unassigned again.
        connection.Execute(
            "UPDATE faces SET assigned_by = NULL WHERE person_id IS NULL AND assigned_by IS NOT NULL",
            transaction
        );
        transaction.Commit();
        return plan;
    }

    private static List<long> Plan(SqliteConnection connection, SqliteTransaction? transaction, long id)
    {
        using var command = connection.Command(
            "SELECT id, kind, undo FROM decisions WHERE id >= $id AND undone_at IS NULL ORDER BY id",
            transaction,
            ("$id", id)
        );
        using var reader = command.ExecuteReader();
        var plan = new List<long>();
        // Rows the planned decisions changed or put faces back into: a later decision that changed one of them is
        // undone with them (restoring their snapshot would silently undo it, or put faces into a person it renamed or
        // merged).
        var relied = new HashSet<string>();
        // People the planned decisions made or merged away: a later decision that put faces into one goes with them.
        var existence = new HashSet<string>();
        while (reader.Read())
        {
            var rows = JsonSerializer.Deserialize<DecisionSnapshot>(reader.GetString(2))!.Rows(reader.GetString(1));
            if (
                reader.GetInt64(0) == id
                || (plan.Count > 0 && (relied.Overlaps(rows.Changed) || existence.Overlaps(rows.Context)))
            )
            {
                plan.Add(reader.GetInt64(0));
                relied.UnionWith(rows.Changed);
                relied.UnionWith(rows.Context);
                existence.UnionWith(rows.Existence);
            }
            else if (plan.Count == 0)
            {
                break; // the decision asked for is already undone
            }
        }
        return plan;
    }

    private void Decide(
        string kind,
        string summary,
        IReadOnlyList<long> faceIds,
        IReadOnlyList<long> personIds,
        Action<SqliteConnection, SqliteTransaction, List<long>> apply
    )
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var snapshot = DecisionSnapshot.Take(connection, transaction, faceIds, personIds);
        apply(connection, transaction, snapshot.Created);
        connection.Execute(
            "INSERT INTO decisions (kind, summary, undo, created_at) VALUES ($k, $s, $u, $now)",
            transaction,
            ("$k", kind),
            ("$s", summary),
            ("$u", JsonSerializer.Serialize(snapshot)),
            ("$now", clock.StoredNow())
        );
        transaction.Commit();
    }

    private long[] FacesOf(long personId)
    {
        using var connection = database.Open();
        return [.. connection.Ids("SELECT id FROM faces WHERE person_id = $p", null, ("$p", personId))];
    }

    private long[] LinkedTo(long personId)
    {
        using var connection = database.Open();
        return [.. connection.Ids("SELECT face_id FROM cannot_link WHERE person_id = $p", null, ("$p", personId))];
    }

    /// <summary>
    /// The face a person is shown by. Not a decision about who is who (nothing to regroup or undo), so not in the log;
    /// false when the face is not this person's.
    /// </summary>
    public bool SetCover(long personId, long faceId)
    {
        using var connection = database.Open();
        return connection.Execute(
                """
                UPDATE people SET cover_face_id = $f, updated_at = $now
                WHERE id = $p AND EXISTS (SELECT 1 FROM faces WHERE id = $f AND person_id = $p AND rejected IS NULL)
                """,
                null,
                ("$f", faceId),
                ("$p", personId),
                ("$now", clock.StoredNow())
            ) == 1;
    }

    /// <summary>A person as the History page names them: their name, or "unnamed group N".</summary>
    private string Who(long personId)
    {
        using var connection = database.Open();
        return connection.Scalar("SELECT name FROM people WHERE id = $p", null, ("$p", personId)) is string name
            ? name
            : $"unnamed group {personId}";
    }

    private long? PersonOf(long faceId)
    {
        using var connection = database.Open();
        return connection.Scalar("SELECT person_id FROM faces WHERE id = $f", null, ("$f", faceId)) as long?;
    }

    private static string Clean(string name) => PersonName.Clean(name);
}
