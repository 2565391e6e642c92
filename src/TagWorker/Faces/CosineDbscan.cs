using System.Numerics.Tensors;

namespace TagWorker.Faces;

/// <summary>
/// DBSCAN over cosine distance on L2-normalised vectors (rows of one contiguous array), exact, and
/// without an N x N matrix: rows are compared in blocks with SIMD dot products on all cores, twice
/// (once to count neighbours and find core points, once to join core points with a union-find and
/// attach border points). Memory is O(N) beyond the vectors. Cost grows with N², see bench-cluster.
/// </summary>
public static class CosineDbscan
{
    public const int Noise = -1;
    private const int Block = 64;

    /// <param name="vectors">N rows of <paramref name="dimensions"/> floats, each of unit length.</param>
    /// <param name="eps">Largest cosine distance (1 - similarity) between neighbours.</param>
    /// <param name="minSamples">Neighbours (counting the point itself) that make a core point.</param>
    /// <returns>A cluster number per row (0, 1, ... in order of first member), or <see cref="Noise"/>.</returns>
    public static int[] Cluster(ReadOnlyMemory<float> vectors, int dimensions, double eps, int minSamples)
    {
        var n = vectors.Length / dimensions;
        var similarity = (float)(1 - eps);
        var counts = CountNeighbours(vectors, dimensions, n, similarity);
        var core = counts.Select(c => c + 1 >= minSamples).ToArray();
        var parent = Enumerable.Range(0, n).ToArray();
        var borderOf = Enumerable.Repeat(-1, n).ToArray();
        var neighbours = new List<int>[Block];
        for (var start = 0; start < n; start += Block)
        {
            var rows = Math.Min(Block, n - start);
            Parallel.For(0, rows, r => neighbours[r] = Neighbours(vectors.Span, dimensions, n, start + r, similarity));
            for (var r = 0; r < rows; r++)
            {
                var i = start + r;
                foreach (var j in neighbours[r])
                {
                    UnionFind.Link(parent, core, borderOf, i, j);
                }
            }
        }
        return UnionFind.Label(parent, core, borderOf);
    }

    private static int[] CountNeighbours(ReadOnlyMemory<float> vectors, int dimensions, int n, float similarity)
    {
        var total = new int[n];
        var blocks = (n + Block - 1) / Block;
        Parallel.For(
            0,
            blocks,
            () => new int[n],
            (block, _, counts) =>
            {
                var span = vectors.Span;
                for (var i = block * Block; i < Math.Min(n, (block + 1) * Block); i++)
                {
                    var row = span.Slice(i * dimensions, dimensions);
                    for (var j = i + 1; j < n; j++)
                    {
                        if (TensorPrimitives.Dot(row, span.Slice(j * dimensions, dimensions)) >= similarity)
                        {
                            counts[i]++;
                            counts[j]++;
                        }
                    }
                }
                return counts;
            },
            counts =>
            {
                lock (total)
                {
                    TensorPrimitives.Add(total, counts, total);
                }
            }
        );
        return total;
    }

    private static List<int> Neighbours(ReadOnlySpan<float> span, int dimensions, int n, int i, float similarity)
    {
        var found = new List<int>();
        var row = span.Slice(i * dimensions, dimensions);
        for (var j = i + 1; j < n; j++)
        {
            if (TensorPrimitives.Dot(row, span.Slice(j * dimensions, dimensions)) >= similarity)
            {
                found.Add(j);
            }
        }
        return found;
    }
}
