using TagWorker.Imaging;

namespace TagWorker.Inference;

/// <summary>
/// YuNet (OpenCV Zoo, MIT): per stride 8/16/32, outputs cls_s, obj_s [1,N,1], bbox_s [1,N,4] and
/// kps_s [1,N,10]; score = sqrt(cls * obj); centre = (col + b0, row + b1) * s, size = exp(b2, b3) * s.
/// </summary>
public sealed class YuNetDetector(OnnxModel session, ModelSpec model, double confidence, double iou) : IFaceDetector
{
    private readonly OnnxBuffers _buffers = new();

    public void Dispose() => _buffers.Dispose();

    public IReadOnlyList<FaceDetection> Detect(ScaledImage image, float[] input)
    {
        var letterbox = ImageOps.ToTensor(image, model.Input, input);
        var outputs = session
            .Run(input, [1, 3, model.Input.Height, model.Input.Width], _buffers)
            .ToDictionary(o => o.Name);
        var candidates = new List<(float Score, Box Box, int Class)>();
        var landmarks = new List<(float X, float Y)[]>();
        foreach (var stride in new[] { 8, 16, 32 })
        {
            var cls = outputs[$"cls_{stride}"].Values.Span;
            var obj = outputs[$"obj_{stride}"].Values.Span;
            var bbox = outputs[$"bbox_{stride}"].Values.Span;
            var kps = outputs[$"kps_{stride}"].Values.Span;
            var cols = model.Input.Width / stride;
            for (var i = 0; i < cls.Length; i++)
            {
                var score = MathF.Sqrt(Math.Clamp(cls[i], 0, 1) * Math.Clamp(obj[i], 0, 1));
                if (score < confidence)
                {
                    continue;
                }
                float col = i % cols,
                    row = i / cols;
                float cx = (col + bbox[i * 4]) * stride,
                    cy = (row + bbox[i * 4 + 1]) * stride;
                float w = MathF.Exp(bbox[i * 4 + 2]) * stride,
                    h = MathF.Exp(bbox[i * 4 + 3]) * stride;
                var (x1, y1) = letterbox.ToImage(cx - w / 2, cy - h / 2);
                var (x2, y2) = letterbox.ToImage(cx + w / 2, cy + h / 2);
                var points = new (float X, float Y)[5];
                for (var j = 0; j < 5; j++)
                {
                    var (px, py) = letterbox.ToImage(
                        (col + kps[i * 10 + 2 * j]) * stride,
                        (row + kps[i * 10 + 2 * j + 1]) * stride
                    );
                    points[j] = ((float)px, (float)py);
                }
                candidates.Add(
                    (
                        score,
                        new Box((float)x1, (float)y1, (float)x2, (float)y2).Clip(image.SourceWidth, image.SourceHeight),
                        0
                    )
                );
                landmarks.Add(points);
            }
        }
        return Nms.Apply(candidates, iou, maxKept: 1000)
            .Select(i => new FaceDetection(candidates[i].Score, candidates[i].Box, landmarks[i]))
            .ToArray();
    }
}
