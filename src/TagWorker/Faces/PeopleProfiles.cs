using System.Numerics.Tensors;
using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary>A person (named or an unnamed group) as matching sees it: its mean face and its most typical faces.</summary>
public sealed record PersonProfile(long Id, string? Name, bool Ignored, int Faces, float[] Centroid, float[][] Exemplars)
{
    /// <summary>Similarity to the closest exemplar.</summary>
    public float Nearest(ReadOnlySpan<float> embedding)
    {
        var best = float.MinValue;
        foreach (var exemplar in Exemplars)
        {
            best = Math.Max(best, TensorPrimitives.Dot(embedding, exemplar));
        }
        return best;
    }
}

public static class PeopleProfiles
{
    /// <summary>Every person with faces of this embedder; at most <paramref name="exemplars"/> faces kept per person (the most central).</summary>
    public static List<PersonProfile> Load(SqliteConnection connection, string embedder, int exemplars = 32)
    {
        using var command = connection.Command("""
            SELECT p.id, p.name, p.ignored, f.embedding FROM faces f JOIN people p ON p.id = f.person_id JOIN photos ph ON ph.id = f.photo_id
            WHERE f.embedder = $m AND f.embedding IS NOT NULL AND f.rejected IS NULL AND ph.removed_at IS NULL ORDER BY p.id
            """, null, ("$m", embedder));
        using var reader = command.ExecuteReader();
        var rows = new List<(long Id, string? Name, bool Ignored, float[] Embedding)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), reader.GetNullableString(1), reader.GetInt64(2) != 0,
                reader.GetEmbedding(3)));
        }
        return rows.GroupBy(r => r.Id).Select(g =>
        {
            var members = g.Select(r => r.Embedding).ToArray();
            var centroid = Centroid(members);
            var typical = members.OrderByDescending(m => TensorPrimitives.Dot(m, centroid)).Take(exemplars).ToArray();
            return new PersonProfile(g.Key, g.First().Name, g.First().Ignored, members.Length, centroid, typical);
        }).ToList();
    }

    public static float[] Centroid(IReadOnlyList<float[]> members)
    {
        var centroid = new float[members[0].Length];
        foreach (var member in members)
        {
            TensorPrimitives.Add(centroid, member, centroid);
        }
        Inference.FaceEmbedder.Normalise(centroid);
        return centroid;
    }
}
