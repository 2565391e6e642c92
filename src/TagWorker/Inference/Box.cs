namespace TagWorker.Inference;

/// <summary>An axis-aligned box by its corners, in pixels.</summary>
public readonly record struct Box(float X1, float Y1, float X2, float Y2)
{
    public float Width => X2 - X1;
    public float Height => Y2 - Y1;
    public float Area => Math.Max(0, Width) * Math.Max(0, Height);

    public float IoU(Box other)
    {
        var w = Math.Min(X2, other.X2) - Math.Max(X1, other.X1);
        var h = Math.Min(Y2, other.Y2) - Math.Max(Y1, other.Y1);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }
        var overlap = w * h;
        return overlap / (Area + other.Area - overlap);
    }

    public Box Scale(double factor) =>
        new((float)(X1 * factor), (float)(Y1 * factor), (float)(X2 * factor), (float)(Y2 * factor));

    public Box Clip(float width, float height) =>
        new(Math.Clamp(X1, 0, width), Math.Clamp(Y1, 0, height), Math.Clamp(X2, 0, width), Math.Clamp(Y2, 0, height));
}

public static class Nms
{
    /// <summary>Greedy non-maximum suppression: indices of the kept items, best first. Items of different classes never
    /// suppress each other.</summary>
    public static List<int> Apply(IReadOnlyList<(float Score, Box Box, int Class)> items, double iou, int maxKept = 300)
    {
        var order = Enumerable.Range(0, items.Count).OrderByDescending(i => items[i].Score).ToArray();
        var kept = new List<int>();
        foreach (var i in order)
        {
            var suppressed = false;
            foreach (var k in kept)
            {
                if (items[k].Class == items[i].Class && items[k].Box.IoU(items[i].Box) > iou)
                {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed)
            {
                kept.Add(i);
                if (kept.Count == maxKept)
                {
                    break;
                }
            }
        }
        return kept;
    }
}
