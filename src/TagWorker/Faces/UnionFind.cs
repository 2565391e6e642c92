namespace TagWorker.Faces;

/// <summary>The union-find both DBSCAN variants join core faces with, and the final numbering of groups.</summary>
internal static class UnionFind
{
    public static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    public static void Union(int[] parent, int a, int b)
    {
        int ra = Find(parent, a),
            rb = Find(parent, b);
        if (ra != rb)
        {
            parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
        }
    }

    /// <summary>
    /// Records that i and j are neighbours: two core points join one group; a non-core point is
    /// attached (once) to a core neighbour as a border point, whichever side found the other.
    /// </summary>
    public static void Link(int[] parent, bool[] core, int[] borderOf, int i, int j)
    {
        if (core[i] && core[j])
        {
            Union(parent, i, j);
        }
        else if (core[i] && borderOf[j] < 0)
        {
            borderOf[j] = i;
        }
        else if (core[j] && borderOf[i] < 0)
        {
            borderOf[i] = j;
        }
    }

    /// <summary>A group number per point (in order of first member), or -1 for noise.</summary>
    public static int[] Label(int[] parent, bool[] core, int[] borderOf)
    {
        var labels = new int[parent.Length];
        var numbers = new Dictionary<int, int>();
        for (var i = 0; i < parent.Length; i++)
        {
            var anchor = core[i] ? i : borderOf[i];
            if (anchor < 0)
            {
                labels[i] = CosineDbscan.Noise;
                continue;
            }
            var root = Find(parent, anchor);
            if (!numbers.TryGetValue(root, out var number))
            {
                numbers[root] = number = numbers.Count;
            }
            labels[i] = number;
        }
        return labels;
    }
}
