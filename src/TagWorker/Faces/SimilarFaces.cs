using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Faces;

public sealed record SimilarFace(long FaceId, long PhotoId, long? PersonId, double Similarity);

public sealed record SimilarPerson(long PersonId, string? Name, double Similarity);

/// <summary>PictoPy's face search: the faces and people most like a face (by id, or an embedding from an uploaded
/// photo).</summary>
public static class SimilarFaces
{
    public static float[]? EmbeddingOf(SqliteConnection connection, long faceId) =>
        connection.Scalar("SELECT embedding FROM faces WHERE id = $f AND embedding IS NOT NULL", null, ("$f", faceId))
            is byte[] blob
            ? MemoryMarshal.Cast<byte, float>(blob).ToArray()
            : null;

    public static (List<SimilarFace> Faces, List<SimilarPerson> People) Find(
        SqliteConnection connection,
        string embedder,
        float[] embedding,
        int limit,
        long? excludeFace = null
    )
    {
        using var command = connection.Command(
            $"""
            SELECT f.id, f.photo_id, f.person_id, f.embedding FROM {GroupableFaces.From} WHERE {GroupableFaces.Where}
            """,
            null,
            ("$m", embedder)
        );
        using var reader = command.ExecuteReader();
        var faces = new List<SimilarFace>();
        while (reader.Read())
        {
            var id = reader.GetInt64(0);
            if (id == excludeFace)
            {
                continue;
            }
            var other = MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(3));
            faces.Add(
                new SimilarFace(
                    id,
                    reader.GetInt64(1),
                    reader.IsDBNull(2) ? null : reader.GetInt64(2),
                    Math.Round(TensorPrimitives.Dot(embedding, other), 3)
                )
            );
        }
        var people = PeopleProfiles
            .Load(connection, embedder)
            .Select(p => new SimilarPerson(p.Id, p.Name, Math.Round(TensorPrimitives.Dot(embedding, p.Centroid), 3)))
            .OrderByDescending(p => p.Similarity)
            .Take(limit)
            .ToList();
        return (faces.OrderByDescending(f => f.Similarity).Take(limit).ToList(), people);
    }
}
