using System.Numerics.Tensors;
using Microsoft.Data.Sqlite;

namespace TagWorker.Faces;

public sealed record Suggestion(long PersonId, string Name, double Similarity);

public sealed record GroupSuggestions(long GroupId, int Faces, IReadOnlyList<Suggestion> Suggestions);

/// <summary>"Is this Alice? 0.71": for each unnamed group, largest first, the named people whose mean face is closest.</summary>
public static class Suggestions
{
    public static List<GroupSuggestions> ForUnnamedGroups(SqliteConnection connection, string embedder, int perGroup = 3)
    {
        var people = PeopleProfiles.Load(connection, embedder);
        var named = people.Where(p => p.Name is not null).ToArray();
        return people.Where(p => p.Name is null && !p.Ignored)
            .OrderByDescending(p => p.Faces).ThenBy(p => p.Id)
            .Select(group => new GroupSuggestions(group.Id, group.Faces, named
                .Select(n => new Suggestion(n.Id, n.Name!, Math.Round(TensorPrimitives.Dot(group.Centroid, n.Centroid), 3)))
                .OrderByDescending(s => s.Similarity).Take(perGroup).ToArray()))
            .ToList();
    }
}
