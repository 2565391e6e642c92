using System.Numerics.Tensors;
using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary>A person (named or an unnamed group) as matching sees it: its direction (unit mean face) and its plain mean
/// face.</summary>
public sealed record PersonProfile(long Id, string? Name, bool Ignored, int Faces, float[] Centroid, float[] Mean)
{
    /// <summary>The mean similarity of a face to every face of this person (the same average linkage the regrouping
    /// uses).</summary>
    public float Linkage(ReadOnlySpan<float> embedding) => TensorPrimitives.Dot(embedding, Mean);

    /// <summary>The mean similarity between every face of this person and every face of the other.</summary>
    public float Linkage(PersonProfile other) => TensorPrimitives.Dot(Mean, other.Mean);

    public static PersonProfile Of(long id, string? name, bool ignored, IReadOnlyList<float[]> members)
    {
        var mean = new float[members[0].Length];
        foreach (var member in members)
        {
            TensorPrimitives.Add(mean, member, mean);
        }
        TensorPrimitives.Divide(mean, members.Count, mean);
        var centroid = mean.ToArray();
        Inference.FaceEmbedder.Normalise(centroid);
        return new PersonProfile(id, name, ignored, members.Count, centroid, mean);
    }
}

public static class PeopleProfiles
{
    /// <summary>Every person with faces of this embedder.</summary>
    public static List<PersonProfile> Load(SqliteConnection connection, string embedder)
    {
        using var command = connection.Command(
            $"""
            SELECT pe.id, pe.name, pe.ignored, f.embedding FROM {GroupableFaces.From} JOIN people pe ON pe.id = f.person_id
            WHERE {GroupableFaces.Where} ORDER BY pe.id
            """,
            null,
            ("$m", embedder)
        );
        using var reader = command.ExecuteReader();
        var rows = new List<(long Id, string? Name, bool Ignored, float[] Embedding)>();
        while (reader.Read())
        {
            rows.Add(
                (reader.GetInt64(0), reader.GetNullableString(1), reader.GetInt64(2) != 0, reader.GetEmbedding(3))
            );
        }
        return rows.GroupBy(r => r.Id)
            .Select(g =>
                PersonProfile.Of(g.Key, g.First().Name, g.First().Ignored, g.Select(r => r.Embedding).ToArray())
            )
            .ToList();
    }
}
