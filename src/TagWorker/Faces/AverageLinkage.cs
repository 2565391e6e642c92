using System.Numerics.Tensors;

namespace TagWorker.Faces;

/// <summary>What a merge must never break: a confirmed face's person (anchor) and "not this person" (face,
/// person).</summary>
public sealed record LinkRules(IReadOnlyList<long?> Anchors, ILookup<long, long> CannotLink);

/// <summary>
/// The second stage of grouping: DBSCAN's strict groups and the good faces it left alone are merged
/// by average linkage (the mean similarity of every face of one to every face of the other, which
/// does not chain the way one close neighbour does) while it is at least <c>similarity</c>, or a
/// little less (<see cref="Below"/>) when that is close to how alike each side's own faces are
/// (<see cref="Relative"/>: pieces of one person measured 0.54-0.77 of it, two sisters 0.43). Hard
/// rules: two faces of one photo never end in one group, a group never gets confirmed faces of two
/// people, and a face never joins a person it was marked "not this person" for.
/// Only pairs already above the lower threshold are ever looked at: the linkage of a merged group to a
/// third is the weighted mean of its parts' linkages, so it can only reach it when one part did.
/// </summary>
public static class AverageLinkage
{
    private const int Block = 64;

    /// <summary>Below the link similarity (by at most <see cref="Below"/>), two groups still merge when they are this
    /// close relative to how alike each group's own faces are.</summary>
    public const float Relative = 0.48f;

    public const float Below = 0.10f;

    /// <param name="faces">All faces; <paramref name="eligible"/> marks those that may take part (the quality
    /// bar).</param>
    /// <param name="labels">DBSCAN's groups (changed in place): merged groups share a label, faces merged out of noise
    /// get one.</param>
    public static void Merge(
        IReadOnlyList<ClusterFace> faces,
        int[] labels,
        bool[] eligible,
        double similarity,
        LinkRules? rules = null
    )
    {
        var items = Items(faces, labels, eligible, rules);
        if (items.Count < 2)
        {
            return;
        }
        var strong = (float)similarity;
        var threshold = strong - Below;
        var adjacent = Candidates(items, threshold);
        var queue = new PriorityQueue<(int A, int B, int VersionA, int VersionB), (float, int, int)>();
        for (var a = 0; a < items.Count; a++)
        {
            foreach (var (b, linkage) in adjacent[a])
            {
                if (a < b)
                {
                    queue.Enqueue((a, b, 0, 0), (-linkage, a, b));
                }
            }
        }
        while (queue.TryDequeue(out var pair, out _))
        {
            var (a, b) = (items[pair.A], items[pair.B]);
            if (
                !a.Alive
                || !b.Alive
                || a.Version != pair.VersionA
                || b.Version != pair.VersionB
                || !a.CompatibleWith(b)
            )
            {
                continue;
            }
            var between = a.Linkage(b);
            if (between < strong && between < Relative * MathF.Sqrt(a.Cohesion * b.Cohesion))
            {
                continue;
            }
            var (keep, gone) = a.Members.Count >= b.Members.Count ? (pair.A, pair.B) : (pair.B, pair.A);
            items[keep].Absorb(items[gone]);
            var neighbours = adjacent[keep]
                .Keys.Concat(adjacent[gone].Keys)
                .Where(c => c != keep && c != gone)
                .Distinct()
                .ToArray();
            adjacent[keep].Clear();
            adjacent[gone].Clear();
            foreach (var c in neighbours)
            {
                adjacent[c].Remove(keep);
                adjacent[c].Remove(gone);
                var linkage = items[keep].Linkage(items[c]);
                if (linkage >= threshold)
                {
                    adjacent[keep][c] = linkage;
                    adjacent[c][keep] = linkage;
                    queue.Enqueue(
                        (keep, c, items[keep].Version, items[c].Version),
                        (-linkage, Math.Min(keep, c), Math.Max(keep, c))
                    );
                }
            }
        }
        var next = labels.Length == 0 ? 0 : labels.Max() + 1;
        foreach (var item in items.Where(i => i.Alive && i.Members.Count > 1 && i.Merged))
        {
            var label = next++;
            foreach (var i in item.Members)
            {
                labels[i] = label;
            }
        }
    }

    /// <summary>
    /// Faces that may not seed or merge groups (below the quality bar) join the group they are most like on
    /// average, when that is at least <paramref name="similarity"/> and clearly more than the next group
    /// (<paramref name="margin"/>); they never change a group's mean, so a blurry face cannot pull in others.
    /// </summary>
    public static void Attach(
        IReadOnlyList<ClusterFace> faces,
        int[] labels,
        bool[] eligible,
        double similarity,
        double margin,
        LinkRules? rules = null
    )
    {
        var groups = Enumerable
            .Range(0, faces.Count)
            .Where(i => labels[i] >= 0)
            .GroupBy(i => labels[i])
            .Select(g =>
            {
                var item = new Item(faces[g.First()].Embedding.Length);
                foreach (var i in g)
                {
                    item.Add(i, faces[i], rules);
                }
                return (Label: g.Key, Item: item);
            })
            .Where(g => g.Item.Members.Count > 1)
            .ToArray();
        if (groups.Length == 0)
        {
            return;
        }
        var dimensions = groups[0].Item.Sum.Length;
        var means = new float[groups.Length * dimensions];
        for (var k = 0; k < groups.Length; k++)
        {
            TensorPrimitives.Divide(
                groups[k].Item.Sum,
                groups[k].Item.Members.Count,
                means.AsSpan(k * dimensions, dimensions)
            );
        }
        var waiting = Enumerable.Range(0, faces.Count).Where(i => labels[i] < 0 && !eligible[i]).ToArray();
        var best = new (int Group, float Linkage)[waiting.Length];
        Parallel.For(0, waiting.Length, w =>
        {
            var embedding = faces[waiting[w]].Embedding;
            (int Group, float Linkage) first = (-1, float.MinValue),
                second = (-1, float.MinValue);
            for (var k = 0; k < groups.Length; k++)
            {
                var linkage = TensorPrimitives.Dot(embedding, means.AsSpan(k * dimensions, dimensions));
                if (linkage > first.Linkage)
                {
                    (first, second) = ((k, linkage), first);
                }
                else if (linkage > second.Linkage)
                {
                    second = (k, linkage);
                }
            }
            best[w] = first.Linkage >= similarity && first.Linkage - second.Linkage >= margin ? first : (-1, 0);
        });
        var candidates = new List<(int Face, int Group, float Linkage)>();
        for (var w = 0; w < waiting.Length; w++)
        {
            var face = new Item(dimensions);
            face.Add(waiting[w], faces[waiting[w]], rules);
            if (best[w].Group >= 0 && face.CompatibleWith(groups[best[w].Group].Item))
            {
                candidates.Add((waiting[w], best[w].Group, best[w].Linkage));
            }
        }
        // The most certain first: of two faces of one photo, only the better one joins.
        var taken = new HashSet<(int Group, long Photo)>();
        foreach (var (i, group, _) in candidates.OrderByDescending(c => c.Linkage))
        {
            if (taken.Add((group, faces[i].PhotoId)))
            {
                labels[i] = groups[group].Label;
            }
        }
    }

    private static List<Item> Items(IReadOnlyList<ClusterFace> faces, int[] labels, bool[] eligible, LinkRules? rules)
    {
        var items = new List<Item>();
        var byLabel = new Dictionary<int, Item>();
        for (var i = 0; i < faces.Count; i++)
        {
            if (!eligible[i] && labels[i] < 0)
            {
                continue;
            }
            Item item;
            if (labels[i] < 0)
            {
                item = new Item(faces[i].Embedding.Length);
                items.Add(item);
            }
            else if (!byLabel.TryGetValue(labels[i], out item!))
            {
                item = byLabel[labels[i]] = new Item(faces[i].Embedding.Length);
                items.Add(item);
            }
            item.Add(i, faces[i], rules);
        }
        return items;
    }

    /// <summary>Every pair of items whose linkage reaches the threshold (blocks of rows, SIMD dot products on all
    /// cores).</summary>
    private static Dictionary<int, float>[] Candidates(List<Item> items, float threshold)
    {
        var n = items.Count;
        var dimensions = items[0].Sum.Length;
        var means = new float[n * dimensions];
        for (var i = 0; i < n; i++)
        {
            TensorPrimitives.Divide(items[i].Sum, items[i].Members.Count, means.AsSpan(i * dimensions, dimensions));
        }
        var adjacent = Enumerable.Range(0, n).Select(_ => new Dictionary<int, float>()).ToArray();
        var blocks = (n + Block - 1) / Block;
        var found = new List<(int, int, float)>[blocks];
        Parallel.For(0, blocks, block =>
        {
            var pairs = new List<(int, int, float)>();
            var span = means.AsSpan();
            for (var i = block * Block; i < Math.Min(n, (block + 1) * Block); i++)
            {
                var row = span.Slice(i * dimensions, dimensions);
                for (var j = i + 1; j < n; j++)
                {
                    var linkage = TensorPrimitives.Dot(row, span.Slice(j * dimensions, dimensions));
                    if (linkage >= threshold)
                    {
                        pairs.Add((i, j, linkage));
                    }
                }
            }
            found[block] = pairs;
        });
        foreach (var (i, j, linkage) in found.SelectMany(p => p))
        {
            adjacent[i][j] = linkage;
            adjacent[j][i] = linkage;
        }
        return adjacent;
    }

    private sealed class Item(int dimensions)
    {
        public float[] Sum { get; } = new float[dimensions];
        public List<int> Members { get; private set; } = [];
        public HashSet<long> Photos { get; private set; } = [];
        public HashSet<long> Anchors { get; private set; } = [];
        public HashSet<long> Forbidden { get; private set; } = [];
        public bool Alive { get; private set; } = true;
        public bool Merged { get; private set; }
        public int Version { get; private set; }

        public void Add(int index, ClusterFace face, LinkRules? rules)
        {
            TensorPrimitives.Add(Sum, face.Embedding, Sum);
            Members.Add(index);
            Photos.Add(face.PhotoId);
            if (rules is null)
            {
                return;
            }
            if (rules.Anchors[index] is { } person)
            {
                Anchors.Add(person);
            }
            Forbidden.UnionWith(rules.CannotLink[face.Id]);
        }

        /// <summary>The mean similarity between two faces of this item (1 for a single face).</summary>
        public float Cohesion =>
            Members.Count < 2
                ? 1
                : (TensorPrimitives.Dot(Sum, Sum) - Members.Count) / ((float)Members.Count * (Members.Count - 1));

        /// <summary>The mean similarity between every face of this item and every face of the other.</summary>
        public float Linkage(Item other) =>
            TensorPrimitives.Dot(Sum, other.Sum) / ((float)Members.Count * other.Members.Count);

        public bool CompatibleWith(Item other) =>
            !Photos.Overlaps(other.Photos)
            && Anchors.Union(other.Anchors).Count() <= 1
            && !Anchors.Overlaps(other.Forbidden)
            && !other.Anchors.Overlaps(Forbidden);

        public void Absorb(Item other)
        {
            TensorPrimitives.Add(Sum, other.Sum, Sum);
            Members.AddRange(other.Members);
            Photos.UnionWith(other.Photos);
            Anchors.UnionWith(other.Anchors);
            Forbidden.UnionWith(other.Forbidden);
            (other.Alive, other.Members, other.Photos, other.Anchors, other.Forbidden) = (false, [], [], [], []);
            Merged = true;
            Version++;
        }
    }
}
