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
    private readonly float[] _input = new float[3 * model.Input.Width * model.Input.Height];
    private readonly OnnxBuffers _buffers = new();

    public IReadOnlyList<ObjectDetection> Detect(ScaledImage image)
    {
        var letterbox = ImageOps.ToTensor(image, model.Input, _input);
        var output = session.Run(_input, [1, 3, model.Input.Height, model.Input.Width], _buffers)[0];
        var values = output.Values.Span;
        int channels = (int)output.Shape[1], anchors = (int)output.Shape[2], classes = channels - 4;
        var candidates = new List<(float Score, Box Box, int Class)>();
        for (var a = 0; a < anchors; a++)
        {
            var best = 0;
            var score = values[4 * anchors + a];
            for (var c = 1; c < classes; c++)
            {
                var s = values[(4 + c) * anchors + a];
                if (s > score)
                {
                    (score, best) = (s, c);
                }
            }
            if (score < confidence)
            {
                continue;
            }
            float cx = values[a], cy = values[anchors + a], w = values[2 * anchors + a], h = values[3 * anchors + a];
            var (x1, y1) = letterbox.ToImage(cx - w / 2, cy - h / 2);
            var (x2, y2) = letterbox.ToImage(cx + w / 2, cy + h / 2);
            candidates.Add((score, new Box((float)x1, (float)y1, (float)x2, (float)y2).Clip(image.SourceWidth, image.SourceHeight), best));
        }
        return Nms.Apply(candidates, iou)
            .Select(i => new ObjectDetection(Label(candidates[i].Class), candidates[i].Score, candidates[i].Box))
            .ToArray();
    }

    public void Dispose() => _buffers.Dispose();

    private string Label(int index) => index < model.Labels.Count ? model.Labels[index] : $"class{index}";
}
