using TagWorker.Imaging;

namespace TagWorker.Inference;

public sealed record ObjectDetection(string Label, float Confidence, Box Box);

/// <summary>
/// YOLOv8 (COCO-80): letterbox to the model input, run, then read [1, 4+classes, anchors]: centre
/// and size in input pixels, class scores already sigmoided, no objectness; class-aware NMS.
/// Boxes come back in the pixels of the image that was scaled. One instance per thread (it owns its buffers).
/// </summary>
public sealed class ObjectDetector(OnnxModel session, ModelSpec model, double confidence, double iou) : IDisposable
{
    private readonly OnnxBuffers _buffers = new();
    private float[] _best = [];
    private int[] _class = [];

    public IReadOnlyList<ObjectDetection> Detect(ScaledImage image, float[] input)
    {
        var letterbox = ImageOps.ToTensor(image, model.Input, input);
        var output = session.Run(input, [1, 3, model.Input.Height, model.Input.Width], _buffers)[0];
        var values = output.Values.Span;
        int channels = (int)output.Shape[1],
            anchors = (int)output.Shape[2],
            classes = channels - 4;
        BestClasses(values, anchors, classes);
        var candidates = new List<(float Score, Box Box, int Class)>();
        for (var a = 0; a < anchors; a++)
        {
            var (score, best) = (_best[a], _class[a]);
            if (score < confidence)
            {
                continue;
            }
            float cx = values[a],
                cy = values[anchors + a],
                w = values[2 * anchors + a],
                h = values[3 * anchors + a];
            var (x1, y1) = letterbox.ToImage(cx - w / 2, cy - h / 2);
            var (x2, y2) = letterbox.ToImage(cx + w / 2, cy + h / 2);
            candidates.Add(
                (
                    score,
                    new Box((float)x1, (float)y1, (float)x2, (float)y2).Clip(image.SourceWidth, image.SourceHeight),
                    best
                )
            );
        }
        return Nms.Apply(candidates, iou)
            .Select(i => new ObjectDetection(Label(candidates[i].Class), candidates[i].Score, candidates[i].Box))
            .ToArray();
    }

    public void Dispose() => _buffers.Dispose();

    /// <summary>Each anchor's best class, reading the class rows in order (the output is class-major).</summary>
    private void BestClasses(ReadOnlySpan<float> values, int anchors, int classes)
    {
        if (_best.Length < anchors)
        {
            (_best, _class) = (new float[anchors], new int[anchors]);
        }
        var best = _best.AsSpan(0, anchors);
        var cls = _class.AsSpan(0, anchors);
        values.Slice(4 * anchors, anchors).CopyTo(best);
        cls.Clear();
        for (var c = 1; c < classes; c++)
        {
            var row = values.Slice((4 + c) * anchors, anchors);
            for (var a = 0; a < row.Length; a++)
            {
                if (row[a] > best[a])
                {
                    best[a] = row[a];
                    cls[a] = c;
                }
            }
        }
    }

    private string Label(int index) => index < model.Labels.Count ? model.Labels[index] : $"class{index}";
}
