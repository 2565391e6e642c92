using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using TagWorker.Hosting;

namespace TagWorker.Faces;

/// <summary>
/// <c>tagworker bench-cluster [--faces N,N,...] [--json]</c>: clusters generated 512-d embeddings
/// (people of about 50 faces; same-person cosine about 0.5-0.8, strangers about 0) and times a full
/// DBSCAN and the nearest-face search one new face needs, with peak memory. Prints figures only.
/// </summary>
public static class BenchClusterCommand
{
    private const int Dimensions = 512;

    public sealed record Run(int Faces, double ClusterSeconds, int Groups, double NoiseShare, double NearestFaceMs, double PeakMemoryMb);

    public static int Execute(CommandLine cli)
    {
        var sizes = (cli.Value("--faces") ?? "2500,5000,10000,20000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var runs = sizes.Select(Measure).ToArray();
        if (cli.Has("--json"))
        {
            Json.Print(runs);
            return 0;
        }
        foreach (var r in runs)
        {
            Console.WriteLine($"{r.Faces,7} faces: DBSCAN {r.ClusterSeconds,7:F2} s, {r.Groups} groups, {r.NoiseShare:P0} noise; nearest face {r.NearestFaceMs:F2} ms; peak {r.PeakMemoryMb:F0} MB");
        }
        return 0;
    }

    private static Run Measure(int n)
    {
        var vectors = Generate(n, new Random(n));
        var stopwatch = Stopwatch.StartNew();
        var labels = CosineDbscan.Cluster(vectors, Dimensions, eps: 0.55, minSamples: 2);
        var seconds = stopwatch.Elapsed.TotalSeconds;

        var probe = vectors.AsSpan(0, Dimensions).ToArray();
        stopwatch.Restart();
        const int repeats = 20;
        for (var r = 0; r < repeats; r++)
        {
            Nearest(vectors, probe);
        }
        var nearestMs = stopwatch.Elapsed.TotalMilliseconds / repeats;
        return new Run(n, Math.Round(seconds, 2), labels.Where(l => l >= 0).Distinct().Count(),
            Math.Round(labels.Count(l => l < 0) / (double)n, 3), Math.Round(nearestMs, 3), Library.BenchScanCommand.PeakMemoryMb());
    }

    /// <summary>The face most similar to <paramref name="probe"/>: what assigning one new face costs.</summary>
    public static (int Index, float Similarity) Nearest(float[] vectors, float[] probe)
    {
        var n = vectors.Length / Dimensions;
        var best = (Index: -1, Similarity: float.MinValue);
        var gate = new Lock();
        Parallel.For(0, Environment.ProcessorCount, part =>
        {
            var local = (Index: -1, Similarity: float.MinValue);
            for (var i = part; i < n; i += Environment.ProcessorCount)
            {
                var s = TensorPrimitives.Dot(probe, vectors.AsSpan(i * Dimensions, Dimensions));
                if (s > local.Similarity)
                {
                    local = (i, s);
                }
            }
            lock (gate)
            {
                if (local.Similarity > best.Similarity)
                {
                    best = local;
                }
            }
        });
        return best;
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
            TensorPrimitives.Add(identities[random.Next(people)], noise, row);
            Inference.FaceEmbedder.Normalise(row);
        }
        return vectors;
    }

    private static float[] Gaussian(Random random, float sigma)
    {
        var v = new float[Dimensions];
        for (var d = 0; d < Dimensions; d++)
        {
            v[d] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())) * sigma;
        }
        return v;
    }
}
