using System.Numerics.Tensors;
using Microsoft.Data.Sqlite;
using TagWorker.Storage;

namespace TagWorker.Pipeline;

/// <summary>
/// Which face found now is which face found before in the same photo (after an edit, a crop or a
/// rotation): by embedding first (the same face in the same photo stays far above 0.5; the same
/// person in another photo of a set rarely reaches it, and one photo holds each person once), then,
/// for faces too small to embed, by where they are in the photo (relative coordinates, IoU).
/// </summary>
public static class FaceMatch
{
    private const float MinSimilarity = 0.5f;
    private const float MinOverlap = 0.5f;

    /// <summary>For each new face, the id of the old face it continues, or null for a face new to the photo.</summary>
    public static long?[] Match(
        SqliteConnection connection,
        SqliteTransaction transaction,
        long photoId,
        Analysis analysis
    )
    {
        var old = connection.Rows(
            """
            SELECT f.id, f.x / p.width, f.y / p.height, f.w / p.width, f.h / p.height, f.embedding
            FROM faces f JOIN photos p ON p.id = f.photo_id WHERE f.photo_id = $p AND p.width > 0 AND p.height > 0
            """,
            r =>
                (
                    Id: r.GetInt64(0),
                    Box: (r.GetDouble(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4)),
                    Embedding: r.IsDBNull(5) ? null : r.GetEmbedding(5)
                ),
            transaction,
            ("$p", photoId)
        );
        var matched = new long?[analysis.Faces.Count];
        if (old.Count == 0)
        {
            return matched;
        }
        var pairs = new List<(float Score, int New, int Old)>();
        for (var n = 0; n < analysis.Faces.Count; n++)
        {
            var face = analysis.Faces[n];
            var box = (
                face.Box.X1 / (double)analysis.Width,
                face.Box.Y1 / (double)analysis.Height,
                face.Box.Width / (double)analysis.Width,
                face.Box.Height / (double)analysis.Height
            );
            for (var o = 0; o < old.Count; o++)
            {
                if (face.Embedding is { } e && old[o].Embedding is { } f && e.Length == f.Length)
                {
                    var similarity = TensorPrimitives.Dot(e, f);
                    if (similarity >= MinSimilarity)
                    {
                        pairs.Add((1 + similarity, n, o)); // embeddings outrank positions
                    }
                }
                else if (IoU(box, old[o].Box) is var overlap and >= MinOverlap)
                {
                    pairs.Add(((float)overlap, n, o));
                }
            }
        }
        var taken = new HashSet<int>();
        foreach (var (_, n, o) in pairs.OrderByDescending(p => p.Score))
        {
            if (matched[n] is null && taken.Add(o))
            {
                matched[n] = old[o].Id;
            }
        }
        return matched;
    }

    private static double IoU((double X, double Y, double W, double H) a, (double X, double Y, double W, double H) b)
    {
        var w = Math.Min(a.X + a.W, b.X + b.W) - Math.Max(a.X, b.X);
        var h = Math.Min(a.Y + a.H, b.Y + b.H) - Math.Max(a.Y, b.Y);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }
        var overlap = w * h;
        return overlap / (a.W * a.H + b.W * b.H - overlap);
    }
}
