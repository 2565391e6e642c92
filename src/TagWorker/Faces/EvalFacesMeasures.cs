using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary>What <c>eval-faces</c> measures beyond one full regrouping: photos arriving one at a time, and the
/// suggestions' precision.</summary>
public static class EvalFacesMeasures
{
    /// <summary>Shown suggestions at one threshold: how many, and how many named the right person.</summary>
    public sealed record SuggestionPrecision(double From, int Shown, int Right)
    {
        public double Precision => Shown == 0 ? 1 : Math.Round((double)Right / Shown, 3);
    }

    public sealed record SuggestionReport(
        int Groups,
        IReadOnlyList<SuggestionPrecision> ForGroups,
        int Faces,
        IReadOnlyList<SuggestionPrecision> ForFaces
    );

    /// <summary>
    /// Hides every photo, then lets them arrive one at a time in a shuffled order as <c>serve</c> sees them: new faces
    /// assigned after each photo, a full regrouping after every <paramref name="regroupEvery"/> photos. Leaves the
    /// state as it is after the last photo (no final regrouping).
    /// </summary>
    public static void Arrive(SqliteConnection connection, Grouping grouping, int regroupEvery, int seed)
    {
        connection.Execute("UPDATE faces SET person_id = NULL, assigned_by = NULL");
        connection.Execute("DELETE FROM people");
        connection.Execute("UPDATE photos SET removed_at = 'arriving' WHERE removed_at IS NULL");
        var photos = new List<long>();
        using (
            var reader = connection
                .Command("SELECT id FROM photos WHERE removed_at = 'arriving' ORDER BY id")
                .ExecuteReader()
        )
        {
            while (reader.Read())
            {
                photos.Add(reader.GetInt64(0));
            }
        }
        var order = photos.ToArray();
        new Random(seed).Shuffle(order);
        for (var k = 0; k < order.Length; k++)
        {
            connection.Execute("UPDATE photos SET removed_at = NULL WHERE id = $id", null, ("$id", order[k]));
            if ((k + 1) % regroupEvery == 0)
            {
                grouping.Regroup();
            }
            else
            {
                grouping.AssignWaiting();
            }
        }
    }

    /// <summary>
    /// Names the largest group of every other person, then asks of every other group, and of every labelled face in no
    /// group, which named person it is most like: right when that is its own person (a group's: most of its labelled
    /// faces).
    /// </summary>
    public static SuggestionReport Suggestions(
        SqliteConnection connection,
        string embedder,
        IReadOnlyDictionary<long, string> identityOfFace
    )
    {
        var personOfFace = new Dictionary<long, long?>();
        foreach (var face in identityOfFace.Keys)
        {
            personOfFace[face] =
                connection.Scalar("SELECT person_id FROM faces WHERE id = $f", null, ("$f", face)) as long?;
        }
        var identityOfPerson = personOfFace
            .Where(p => p.Value is not null)
            .GroupBy(p => p.Value!.Value)
            .ToDictionary(
                g => g.Key,
                g => (Identity: g.GroupBy(p => identityOfFace[p.Key]).MaxBy(i => i.Count())!.Key, Faces: g.Count())
            );
        var people = PeopleProfiles.Load(connection, embedder).Where(p => identityOfPerson.ContainsKey(p.Id)).ToList();
        // Half the people named (every other identity), so a suggestion can also be wrong because the right person has
        // no name yet.
        var named = people
            .GroupBy(p => identityOfPerson[p.Id].Identity)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Where((_, k) => k % 2 == 0)
            .Select(g => g.MaxBy(p => identityOfPerson[p.Id].Faces)! with { Name = g.Key })
            .ToList();
        var namedIds = named.Select(n => n.Id).ToHashSet();
        var groups = people
            .Where(p => !namedIds.Contains(p.Id))
            .Select(p =>
                Faces.Suggestions.For(p, named, 1) is [var top]
                    ? (top.Similarity, Right: top.Name == identityOfPerson[p.Id].Identity)
                    : (0, false)
            )
            .ToList();
        var faces = new List<(double Similarity, bool Right)>();
        foreach (var (face, identity) in identityOfFace.Where(f => personOfFace[f.Key] is null))
        {
            if (SimilarFaces.EmbeddingOf(connection, face) is { } embedding && named.Count > 0)
            {
                var top = named.MaxBy(n => n.Linkage(embedding))!;
                faces.Add((top.Linkage(embedding), top.Name == identity));
            }
        }
        double[] thresholds = [0.1, 0.15, 0.2, Faces.Suggestions.LikelyFrom, 0.3, 0.35];
        return new SuggestionReport(
            groups.Count,
            Precision(groups, thresholds),
            faces.Count,
            Precision(faces, thresholds)
        );
    }

    private static SuggestionPrecision[] Precision(List<(double Similarity, bool Right)> asked, double[] thresholds) =>
        thresholds
            .Distinct()
            .Order()
            .Select(t => new SuggestionPrecision(
                t,
                asked.Count(a => a.Similarity >= t),
                asked.Count(a => a.Similarity >= t && a.Right)
            ))
            .ToArray();
}
