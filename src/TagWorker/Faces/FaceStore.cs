using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Faces;

/// <summary>Reads faces for clustering: those embedded by the given model, of photos still in the library.</summary>
public static class FaceStore
{
    public static List<ClusterFace> LoadEmbedded(SqliteConnection connection, string embedder)
    {
        using var command = connection.Command("""
            SELECT f.id, f.photo_id, f.confidence, f.size_px, f.embedding FROM faces f JOIN photos p ON p.id = f.photo_id
            WHERE f.embedder = $m AND f.embedding IS NOT NULL AND p.removed_at IS NULL ORDER BY f.id
            """, null, ("$m", embedder));
        using var reader = command.ExecuteReader();
        var faces = new List<ClusterFace>();
        while (reader.Read())
        {
            var blob = (byte[])reader.GetValue(4);
            faces.Add(new ClusterFace(reader.GetInt64(0), reader.GetInt64(1), reader.GetFloat(2), reader.GetFloat(3),
                MemoryMarshal.Cast<byte, float>(blob).ToArray()));
        }
        return faces;
    }

    /// <summary>The largest face of the photo at <paramref name="path"/>, or null when it has none.</summary>
    public static long? LargestFace(SqliteConnection connection, string path) =>
        connection.Scalar("""
            SELECT f.id FROM faces f JOIN files x ON x.photo_id = f.photo_id WHERE x.path = $p AND x.state = 'present'
            ORDER BY f.w * f.h DESC LIMIT 1
            """, null, ("$p", path)) as long?;
}
