using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <param name="Similarity">The mean similarity between every face of the group (or the face) and every face of the
/// person.</param>
/// <param name="Likely">Worth asking "Is this Alice?": measured right at least 9 times in 10 (see <see
/// cref="Suggestions.LikelyFrom"/>).</param>
public sealed record Suggestion(long PersonId, string Name, double Similarity, bool Likely);

public sealed record GroupSuggestions(long GroupId, int Faces, IReadOnlyList<Suggestion> Suggestions);

/// <summary>
/// "Is this Alice?": the named people a group (or a face) is most like on average, largest groups first. Only
/// a suggestion at or above <see cref="LikelyFrom"/> is put as a question; the rest are a quiet "more like this".
/// </summary>
public static class Suggestions
{
    /// <summary>
    /// Measured with <c>eval-faces</c> (w600k_mbf) on faces-lfw and its degraded copy, each person's largest group
    /// named: see docs/ARCHITECTURE.md. The regrouping already merges everything at or above the link similarity
    /// that the rules allow, so what is left to suggest lies below it.
    /// </summary>
    public const double LikelyFrom = 0.25;

    public static IReadOnlyList<Suggestion> For(PersonProfile group, IEnumerable<PersonProfile> named, int count = 3) =>
        named
            .Where(n => n.Id != group.Id && n.Name is not null && !n.Ignored)
            .Select(n => (Person: n, Similarity: group.Linkage(n)))
            .OrderByDescending(s => s.Similarity)
            .ThenBy(s => s.Person.Id)
            .Take(count)
            .Select(s => new Suggestion(
                s.Person.Id,
                s.Person.Name!,
                Math.Round(s.Similarity, 3),
                s.Similarity >= LikelyFrom
            ))
            .ToArray();

    /// <summary>
    /// The queue of faces in no group, in the order the owner clears it fastest: most like a named person first (with
    /// that person; never one the face was marked "not this person" for), then the rest, largest faces first.
    /// </summary>
    public static List<(long FaceId, Suggestion? Closest)> ForWaitingFaces(
        SqliteConnection connection,
        string embedder,
        IReadOnlyList<PersonProfile> named
    )
    {
        var faces = connection.Rows(
            $"""
            SELECT f.id, f.embedding FROM {GroupableFaces.From}
            WHERE f.person_id IS NULL AND {GroupableFaces.Where}
            ORDER BY f.size_px DESC, f.id
            """,
            r => (Id: r.GetInt64(0), Embedding: r.GetEmbedding(1)),
            null,
            ("$m", embedder)
        );
        var notThis = connection
            .Rows("SELECT face_id, person_id FROM cannot_link", r => (Face: r.GetInt64(0), Person: r.GetInt64(1)), null)
            .ToHashSet();
        var people = named.Where(n => n.Name is not null && !n.Ignored).ToArray();
        var closest = new Suggestion?[faces.Count];
        Parallel.For(0, faces.Count, i =>
        {
            var (id, embedding) = faces[i];
            var best = (Person: (PersonProfile?)null, Similarity: float.MinValue);
            foreach (var person in people)
            {
                var similarity = person.Linkage(embedding);
                if (similarity > best.Similarity && !notThis.Contains((id, person.Id)))
                {
                    best = (person, similarity);
                }
            }
            closest[i] = best.Person is { } p
                ? new Suggestion(p.Id, p.Name!, Math.Round(best.Similarity, 3), best.Similarity >= LikelyFrom)
                : null;
        });
        // Stable: faces no named person is like keep the largest-first order.
        return faces
            .Select((f, i) => (f.Id, closest[i]))
            .OrderByDescending(q => q.Item2?.Likely ?? false)
            .ThenByDescending(q => q.Item2?.Likely == true ? q.Item2.Similarity : 0)
            .ToList();
    }

    public static List<GroupSuggestions> ForUnnamedGroups(
        SqliteConnection connection,
        string embedder,
        int perGroup = 3
    )
    {
        var people = PeopleProfiles.Load(connection, embedder);
        return people
            .Where(p => p.Name is null && !p.Ignored)
            .OrderByDescending(p => p.Faces)
            .ThenBy(p => p.Id)
            .Select(group => new GroupSuggestions(group.Id, group.Faces, For(group, people, perGroup)))
            .ToList();
    }
}
