using System.Numerics.Tensors;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary>
/// A full regrouping that keeps every decision: confirmed faces never move (they anchor their
/// person instead), rejected faces are never grouped, "not this person" is never broken, and a
/// new group keeps the identity of the old group it overlaps most, so names, merges and ignored
/// groups survive any number of regroupings. Only faces the algorithm placed itself move.
/// </summary>
public sealed class Regrouper(Database database, IOptions<FacesOptions> options, TimeProvider clock)
{
    private sealed record Face(
        long Id,
        long PhotoId,
        float Score,
        float SizePx,
        float Sharpness,
        float[] Embedding,
        long? PersonId,
        bool Confirmed
    );

    public sealed record Result(int Faces, int Groups, int NewPeople, int Moved);

    public Result Run(string embedder, double eps, double? link)
    {
        var settings = options.Value;
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var faces = Load(connection, transaction, embedder);
        var cannotLink = CannotLinks(connection, transaction);
        var rules = new LinkRules(
            faces.Select(f => f.Confirmed ? f.PersonId : null).ToArray(),
            cannotLink.ToLookup(l => l.Face, l => l.Person)
        );
        var groups = FaceClusterer.Cluster(
            faces.Select(f => new ClusterFace(f.Id, f.PhotoId, f.Score, f.SizePx, f.Embedding, f.Sharpness)).ToArray(),
            eps,
            settings.MinSamples,
            QualityBar.From(settings),
            settings.ExactUpTo,
            link,
            rules
        );

        var target = new long?[faces.Count];
        var newGroups = new List<int[]>();
        foreach (
            var group in Enumerable
                .Range(0, faces.Count)
                .Where(i => groups[i] >= 0)
                .GroupBy(i => groups[i])
                .Select(g => g.ToArray())
        )
        {
            var anchors = group.Where(i => faces[i].Confirmed).ToArray();
            var people = anchors.Select(i => faces[i].PersonId!.Value).Distinct().ToArray();
            if (people.Length == 1)
            {
                Assign(group, people[0]);
            }
            else if (people.Length > 1)
            {
                // Confirmed faces of several people in one group (siblings chained): each face goes to
                // the person of its most similar confirmed face, never to the group as a whole.
                foreach (var i in group.Where(i => !faces[i].Confirmed))
                {
                    var nearest = anchors.MaxBy(a => TensorPrimitives.Dot(faces[a].Embedding, faces[i].Embedding));
                    target[i] = faces[nearest].PersonId;
                }
            }
            else
            {
                newGroups.Add(group);
            }
        }
        var created = MatchByOverlap(newGroups, faces, target, connection, transaction);
        var moved = Save(connection, transaction, faces, target, cannotLink);
        connection.Execute(
            """
            DELETE FROM people WHERE name IS NULL AND ignored = 0 AND id NOT IN (SELECT person_id FROM faces WHERE person_id IS NOT NULL)
              AND id NOT IN (SELECT person_id FROM cannot_link)
            """,
            transaction
        );
        transaction.Commit();
        return new Result(faces.Count, groups.Where(g => g >= 0).Distinct().Count(), created, moved);

        void Assign(int[] members, long person)
        {
            foreach (var i in members.Where(i => !faces[i].Confirmed))
            {
                target[i] = person;
            }
        }
    }

    /// <summary>Each new group keeps the person (unnamed group, ignored group, ...) whose faces it overlaps most; the
    /// rest become new groups.</summary>
    private int MatchByOverlap(
        List<int[]> groups,
        List<Face> faces,
        long?[] target,
        SqliteConnection connection,
        SqliteTransaction transaction
    )
    {
        var votes = groups
            .SelectMany(
                (g, k) =>
                    g.Where(i => faces[i].PersonId is not null)
                        .GroupBy(i => faces[i].PersonId!.Value)
                        .Select(p => (Group: k, Person: p.Key, Overlap: p.Count()))
            )
            .OrderByDescending(v => v.Overlap)
            .ThenBy(v => v.Person)
            .ToList();
        var groupPerson = new Dictionary<int, long>();
        var taken = new HashSet<long>();
        foreach (var (group, person, _) in votes)
        {
            if (!groupPerson.ContainsKey(group) && taken.Add(person))
            {
                groupPerson[group] = person;
            }
        }
        var created = 0;
        for (var k = 0; k < groups.Count; k++)
        {
            if (!groupPerson.TryGetValue(k, out var person))
            {
                var now = clock.StoredNow();
                person = (long)
                    connection.Scalar(
                        "INSERT INTO people (created_at, updated_at) VALUES ($now, $now) RETURNING id",
                        transaction,
                        ("$now", now)
                    )!;
                created++;
            }
            foreach (var i in groups[k])
            {
                target[i] = person;
            }
        }
        return created;
    }

    /// <summary>Writes the automatic assignments, never breaking "not this person" or putting two faces of one photo in
    /// one person.</summary>
    private static int Save(
        SqliteConnection connection,
        SqliteTransaction transaction,
        List<Face> faces,
        long?[] target,
        HashSet<(long, long)> cannotLink
    )
    {
        var taken = faces.Where(f => f.Confirmed).Select(f => (f.PersonId!.Value, f.PhotoId)).ToHashSet();
        var moved = 0;
        using var update = connection.Command(
            "UPDATE faces SET person_id = $p, assigned_by = $a WHERE id = $id",
            transaction,
            ("$p", null),
            ("$a", null),
            ("$id", 0L)
        );
        for (var i = 0; i < faces.Count; i++)
        {
            var face = faces[i];
            if (face.Confirmed)
            {
                continue;
            }
            var person = target[i];
            if (
                person is not null
                && (cannotLink.Contains((face.Id, person.Value)) || !taken.Add((person.Value, face.PhotoId)))
            )
            {
                person = null;
            }
            if (person == face.PersonId)
            {
                continue;
            }
            update.Parameters["$p"].Value = person is null ? DBNull.Value : person.Value;
            update.Parameters["$a"].Value = person is null ? DBNull.Value : "auto";
            update.Parameters["$id"].Value = face.Id;
            update.ExecuteNonQuery();
            moved++;
        }
        return moved;
    }

    private static List<Face> Load(SqliteConnection connection, SqliteTransaction transaction, string embedder)
    {
        using var command = connection.Command(
            $"""
            SELECT f.id, f.photo_id, f.confidence, f.size_px, f.embedding, f.person_id, f.assigned_by, f.sharpness
            FROM {GroupableFaces.From} WHERE {GroupableFaces.Where} ORDER BY f.id
            """,
            transaction,
            ("$m", embedder)
        );
        using var reader = command.ExecuteReader();
        var faces = new List<Face>();
        while (reader.Read())
        {
            faces.Add(
                new Face(
                    reader.GetInt64(0),
                    reader.GetInt64(1),
                    reader.GetFloat(2),
                    reader.GetFloat(3),
                    reader.GetFloat(7),
                    reader.GetEmbedding(4),
                    reader.IsDBNull(5) ? null : reader.GetInt64(5),
                    !reader.IsDBNull(5) && reader.GetNullableString(6) == "user"
                )
            );
        }
        return faces;
    }

    private static HashSet<(long Face, long Person)> CannotLinks(
        SqliteConnection connection,
        SqliteTransaction transaction
    )
    {
        using var command = connection.Command("SELECT face_id, person_id FROM cannot_link", transaction);
        using var reader = command.ExecuteReader();
        var links = new HashSet<(long Face, long Person)>();
        while (reader.Read())
        {
            links.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }
        return links;
    }
}
