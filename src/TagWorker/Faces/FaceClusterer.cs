using System.Numerics.Tensors;

namespace TagWorker.Faces;

/// <summary>An embedded face as clustering sees it.</summary>
public sealed record ClusterFace(
    long Id,
    long PhotoId,
    float Score,
    float SizePx,
    float[] Embedding,
    float Sharpness = float.MaxValue
);

/// <summary>The quality a face needs to seed a group.</summary>
public sealed record QualityBar(int MinFaceSize, double MinScore, double MinSharpness)
{
    public static QualityBar From(FacesOptions options) =>
        new(options.MinFaceSize, options.MinScore, options.MinSharpness);

    public bool Passes(ClusterFace face) =>
        face.SizePx >= MinFaceSize && face.Score >= MinScore && face.Sharpness >= MinSharpness;
}

/// <summary>
/// Groups faces: a quality gate (too small or uncertain faces never seed a group), DBSCAN over
/// cosine distance, the same-photo rule (two faces in one photo are never put in one group
/// automatically: the one closer to the group's mean stays), then, with <c>link</c>, the groups and
/// the good faces left alone merged by average linkage (<see cref="AverageLinkage"/>).
/// </summary>
public static class FaceClusterer
{
    /// <summary>How much more like its best group than like the next a face below the quality bar must be to join
    /// it.</summary>
    public const double AttachMargin = 0.1;

    /// <returns>A group number per face, in the order given, or <see cref="CosineDbscan.Noise"/>.</returns>
    public static int[] Cluster(
        IReadOnlyList<ClusterFace> faces,
        double eps,
        int minSamples,
        QualityBar quality,
        int exactUpTo = 10_000,
        double? link = null,
        LinkRules? rules = null
    )
    {
        var labels = Enumerable.Repeat(CosineDbscan.Noise, faces.Count).ToArray();
        var eligible = Enumerable.Range(0, faces.Count).Where(i => quality.Passes(faces[i])).ToArray();
        if (eligible.Length == 0)
        {
            return labels;
        }
        var dimensions = faces[eligible[0]].Embedding.Length;
        var vectors = new float[eligible.Length * dimensions];
        for (var k = 0; k < eligible.Length; k++)
        {
            faces[eligible[k]].Embedding.CopyTo(vectors, k * dimensions);
        }
        var groups =
            eligible.Length <= exactUpTo
                ? CosineDbscan.Cluster(vectors, dimensions, eps, minSamples)
                : IvfDbscan.Cluster(vectors, dimensions, eps, minSamples);
        for (var k = 0; k < eligible.Length; k++)
        {
            labels[eligible[k]] = groups[k];
        }
        ApplySamePhotoRule(faces, labels);
        if (link is { } similarity)
        {
            var passes = new bool[faces.Count];
            foreach (var i in eligible)
            {
                passes[i] = true;
            }
            AverageLinkage.Merge(faces, labels, passes, similarity, rules);
            AverageLinkage.Attach(faces, labels, passes, similarity, AttachMargin, rules);
        }
        return labels;
    }

    private static void ApplySamePhotoRule(IReadOnlyList<ClusterFace> faces, int[] labels)
    {
        foreach (var group in Enumerable.Range(0, faces.Count).Where(i => labels[i] >= 0).GroupBy(i => labels[i]))
        {
            var members = group.ToArray();
            var clashes = members.GroupBy(i => faces[i].PhotoId).Where(p => p.Count() > 1).ToArray();
            if (clashes.Length == 0)
            {
                continue;
            }
            var mean = new float[faces[members[0]].Embedding.Length];
            foreach (var i in members)
            {
                TensorPrimitives.Add(mean, faces[i].Embedding, mean);
            }
            foreach (var clash in clashes)
            {
                var keep = clash.MaxBy(i => TensorPrimitives.Dot(mean, faces[i].Embedding));
                foreach (var other in clash.Where(i => i != keep))
                {
                    labels[other] = CosineDbscan.Noise;
                }
            }
        }
    }
}
