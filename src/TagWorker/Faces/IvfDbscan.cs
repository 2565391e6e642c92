using System.Numerics.Tensors;

namespace TagWorker.Faces;

/// <summary>
/// DBSCAN for large face libraries: an inverted file (k-means cells over the embeddings) limits
/// each face's neighbour search to the faces of its <c>probes</c> nearest cells. Missing a
/// neighbour can only remove links, so a person may be split (found again by incremental
/// assignment and the next pass) but two people are never merged by the approximation.
/// Cost: about N x (cells + probes x N / cells) dot products instead of N², with the rows in cell order.
/// </summary>
public static class IvfDbscan
{
    public static int[] Cluster(
        float[] vectors,
        int dimensions,
        double eps,
        int minSamples,
        int probes = 12,
        int seed = 1
    )
    {
        var n = vectors.Length / dimensions;
        var cellCount = Math.Max(1, (int)Math.Sqrt(n));
        var centroids = KMeans(vectors, dimensions, n, cellCount, iterations: 4, seed);
        var home = new int[n];
        var probeLists = new int[n][];
        Parallel.For(0, n, i =>
        {
            probeLists[i] = NearestCells(
                vectors.AsSpan(i * dimensions, dimensions),
                centroids,
                dimensions,
                Math.Min(probes, cellCount)
            );
            home[i] = probeLists[i][0];
        });
        // Rows copied into cell order, and the search run cell by cell: each probed cell's rows stay in
        // cache while every face that probes it passes over them. (Memory bandwidth, not arithmetic, is
        // the limit on a NAS: a dot product against a row fetched from RAM costs ~20x one from cache.)
        var order = Enumerable.Range(0, n).OrderBy(i => home[i]).ToArray();
        var sorted = new float[vectors.Length];
        var start = new int[cellCount + 1];
        for (var position = 0; position < n; position++)
        {
            vectors
                .AsSpan(order[position] * dimensions, dimensions)
                .CopyTo(sorted.AsSpan(position * dimensions, dimensions));
            start[home[order[position]] + 1]++;
        }
        for (var c = 0; c < cellCount; c++)
        {
            start[c + 1] += start[c];
        }

        var similarity = (float)(1 - eps);
        var found = new List<int>[n];
        Parallel.For(0, cellCount, cell =>
        {
            var members = Enumerable.Range(start[cell], start[cell + 1] - start[cell]).ToArray();
            foreach (var position in members)
            {
                found[position] = [];
            }
            foreach (var probed in members.SelectMany(position => probeLists[order[position]]).Distinct())
            {
                foreach (var position in members.Where(position => probeLists[order[position]].Contains(probed)))
                {
                    var row = sorted.AsSpan(position * dimensions, dimensions);
                    for (var other = start[probed]; other < start[probed + 1]; other++)
                    {
                        if (
                            other != position
                            && TensorPrimitives.Dot(row, sorted.AsSpan(other * dimensions, dimensions)) >= similarity
                        )
                        {
                            found[position].Add(other);
                        }
                    }
                }
            }
        });
        var neighbours = found.Select(l => l?.ToArray() ?? []).ToArray();
        var core = neighbours.Select(l => l.Length + 1 >= minSamples).ToArray();
        var parent = Enumerable.Range(0, n).ToArray();
        var borderOf = Enumerable.Repeat(-1, n).ToArray();
        for (var i = 0; i < n; i++)
        {
            foreach (var j in neighbours[i])
            {
                UnionFind.Link(parent, core, borderOf, i, j); // lists are not symmetric: either side may find the other
            }
        }
        var byPosition = UnionFind.Label(parent, core, borderOf);
        var labels = new int[n];
        for (var position = 0; position < n; position++)
        {
            labels[order[position]] = byPosition[position];
        }
        return Renumber(labels);
    }

    /// <summary>Group numbers in order of each group's first face, as the exact DBSCAN numbers them.</summary>
    private static int[] Renumber(int[] labels)
    {
        var numbers = new Dictionary<int, int>();
        return labels
            .Select(l =>
                l < 0 ? l
                : numbers.TryGetValue(l, out var number) ? number
                : numbers[l] = numbers.Count
            )
            .ToArray();
    }

    private static float[] KMeans(float[] vectors, int dimensions, int n, int k, int iterations, int seed)
    {
        var random = new Random(seed);
        var centroids = new float[k * dimensions];
        var picks = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(k).ToArray();
        for (var c = 0; c < k; c++)
        {
            vectors.AsSpan(picks[c] * dimensions, dimensions).CopyTo(centroids.AsSpan(c * dimensions, dimensions));
        }
        var assignment = new int[n];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            Parallel.For(0, n, i =>
                assignment[i] = NearestCells(vectors.AsSpan(i * dimensions, dimensions), centroids, dimensions, 1)[0]
            );
            var sums = new float[k * dimensions];
            var counts = new int[k];
            for (var i = 0; i < n; i++)
            {
                var c = assignment[i];
                TensorPrimitives.Add(
                    sums.AsSpan(c * dimensions, dimensions),
                    vectors.AsSpan(i * dimensions, dimensions),
                    sums.AsSpan(c * dimensions, dimensions)
                );
                counts[c]++;
            }
            for (var c = 0; c < k; c++)
            {
                if (counts[c] > 0) // an empty cell keeps its old centre
                {
                    var centre = sums.AsSpan(c * dimensions, dimensions);
                    Inference.FaceEmbedder.Normalise(centre);
                    centre.CopyTo(centroids.AsSpan(c * dimensions, dimensions));
                }
            }
        }
        return centroids;
    }

    private static int[] NearestCells(ReadOnlySpan<float> row, float[] centroids, int dimensions, int count)
    {
        var k = centroids.Length / dimensions;
        var best = new (float Similarity, int Cell)[count];
        Array.Fill(best, (float.MinValue, -1));
        for (var c = 0; c < k; c++)
        {
            var s = TensorPrimitives.Dot(row, centroids.AsSpan(c * dimensions, dimensions));
            if (s <= best[^1].Similarity)
            {
                continue;
            }
            var at = count - 1;
            while (at > 0 && best[at - 1].Similarity < s)
            {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = (s, c);
        }
        return best.Where(b => b.Cell >= 0).Select(b => b.Cell).ToArray();
    }
}
