using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using TagWorker.Hosting;

namespace TagWorker.Faces;

/// <summary>
/// <c>tagworker bench-cluster [--faces N,N,...] [--json]</c>: clusters generated 512-d embeddings
/// (people of about 50 faces, same-person cosine about 0.5-0.8, and one face in seven a stranger seen once) and
/// times a full DBSCAN (indexed; exact too up to 20k, with their agreement), the average-linkage stage after it,
/// and the matching one new face needs, with peak memory.
/// </summary>
public static class BenchClusterCommand
{
    private const int Dimensions = 512;

    public sealed record Run(
        int Faces,
        double? ExactSeconds,
        double IndexedSeconds,
        double LinkageSeconds,
        int Groups,
        double NoiseShare,
        double? AgreementPrecision,
        double? AgreementRecall,
        double AssignOneFaceMs,
        double PeakMemoryMb
    );

    public static int Execute(CommandLine cli)
    {
        var sizes = (cli.Value("--faces") ?? "10000,20000,50000,100000")
            .Split(',')
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture))
            .ToArray();
        var runs = sizes.Select(Measure).ToArray();
        if (cli.Has("--json"))
        {
            Json.Print(runs);
            return 0;
        }
        foreach (var r in runs)
        {
            var exact = r.ExactSeconds is null
                ? "exact skipped"
                : $"exact {r.ExactSeconds:F1} s, agreement P {r.AgreementPrecision:F3} R {r.AgreementRecall:F3}";
            Console.WriteLine(
                $"{r.Faces, 7} faces: indexed {r.IndexedSeconds, 6:F1} s, linkage {r.LinkageSeconds, 5:F1} s, {r.Groups} groups, {r.NoiseShare:P0} noise; {exact}; assigning one face {r.AssignOneFaceMs:F3} ms; peak {r.PeakMemoryMb:F0} MB"
            );
        }
        return 0;
    }

    private static Run Measure(int n)
    {
        var vectors = Generate(n, new Random(n));
        var stopwatch = Stopwatch.StartNew();
        var labels = IvfDbscan.Cluster(vectors, Dimensions, eps: 0.55, minSamples: 2);
        var indexed = stopwatch.Elapsed.TotalSeconds;
        stopwatch.Restart();
        var faces = Enumerable
            .Range(0, n)
            .Select(i => new ClusterFace(i, i, 0.9f, 100, vectors.AsSpan(i * Dimensions, Dimensions).ToArray()))
            .ToArray();
        var merged = labels.ToArray();
        AverageLinkage.Merge(faces, merged, Enumerable.Repeat(true, n).ToArray(), similarity: 0.35);
        var linkage = stopwatch.Elapsed.TotalSeconds;
        double? exactSeconds = null;
        ClusteringMetrics? agreement = null;
        if (n <= 20_000)
        {
            stopwatch.Restart();
            var exact = CosineDbscan.Cluster(vectors, Dimensions, eps: 0.55, minSamples: 2);
            exactSeconds = Math.Round(stopwatch.Elapsed.TotalSeconds, 2);
            // The exact grouping as the truth: precision below 1 would mean the index merged what exact keeps apart.
            agreement = ClusteringMetrics.Compute(exact.Select((g, i) => g >= 0 ? $"g{g}" : $"n{i}").ToArray(), labels);
        }

        // One new face against every person's profile (its mean similarity to each person's faces): what assignment
        // does.
        var profiles = Enumerable
            .Range(0, n)
            .Where(i => labels[i] >= 0)
            .GroupBy(i => labels[i])
            .Select(g =>
                PersonProfile.Of(
                    g.Key,
                    null,
                    false,
                    g.Select(i => vectors.AsSpan(i * Dimensions, Dimensions).ToArray()).ToArray()
                )
            )
            .ToArray();
        var probe = Generate(1, new Random(7));
        stopwatch.Restart();
        const int repeats = 50;
        for (var r = 0; r < repeats; r++)
        {
            _ = profiles.Select(p => p.Linkage(probe)).OrderByDescending(l => l).Take(2).ToArray();
        }
        var nearestMs = stopwatch.Elapsed.TotalMilliseconds / repeats;
        return new Run(
            n,
            exactSeconds,
            Math.Round(indexed, 2),
            Math.Round(linkage, 2),
            merged.Where(l => l >= 0).Distinct().Count(),
            Math.Round(merged.Count(l => l < 0) / (double)n, 3),
            agreement?.BCubedPrecision,
            agreement?.BCubedRecall,
            Math.Round(nearestMs, 3),
            ProcessMemory.PeakMb()
        );
    }

    private static float[] Generate(int n, Random random)
    {
        var people = Math.Max(1, n / 50);
        var identities = new float[people][];
        for (var p = 0; p < people; p++)
        {
            identities[p] = Gaussian(random, 1f);
            Inference.FaceEmbedder.Normalise(identities[p]);
        }
        var vectors = new float[n * Dimensions];
        for (var i = 0; i < n; i++)
        {
            var row = vectors.AsSpan(i * Dimensions, Dimensions);
            var noise = Gaussian(random, 0.045f); // per-face variation: same-person cosine ~0.5-0.8
            var identity = random.Next(7) == 0 ? Normalised(Gaussian(random, 1f)) : identities[random.Next(people)]; // a stranger, seen once
            TensorPrimitives.Add(identity, noise, row);
            Inference.FaceEmbedder.Normalise(row);
        }
        return vectors;
    }

    private static float[] Normalised(float[] v)
    {
        Inference.FaceEmbedder.Normalise(v);
        return v;
    }

    private static float[] Gaussian(Random random, float sigma)
    {
        var v = new float[Dimensions];
        for (var d = 0; d < Dimensions; d++)
        {
            v[d] =
                (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))
                * sigma;
        }
        return v;
    }
}
