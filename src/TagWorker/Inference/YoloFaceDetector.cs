using TagWorker.Imaging;

namespace TagWorker.Inference;

/// <summary>
/// yolov8-face (raw heads): three maps [1, 80, H, W] for strides 8, 16, 32. Per cell, channels 0-63
/// are the box distribution (l, t, r, b x 16 bins: softmax, expected value), 64 the face logit,
/// 65-79 five landmarks as (x, y, visibility).
/// </summary>
public sealed class YoloFaceDetector(OnnxModel session, ModelSpec model, double confidence, double iou) : IFaceDetector
{
    private const int Bins = 16;
    private readonly OnnxBuffers _buffers = new();
    private readonly float _logitThreshold = (float)Math.Log(confidence / (1 - confidence));

    public IReadOnlyList<FaceDetection> Detect(ScaledImage image, float[] input)
    {
        var letterbox = ImageOps.ToTensor(image, model.Input, input);
        var outputs = session.Run(input, [1, 3, model.Input.Height, model.Input.Width], _buffers);
        var candidates = new List<(float Score, Box Box, int Class)>();
        var landmarks = new List<(float X, float Y)[]>();
        Span<float> sides = stackalloc float[4];
        foreach (var output in outputs)
        {
            int rows = (int)output.Shape[2],
                cols = (int)output.Shape[3],
                plane = rows * cols;
            var stride = (float)model.Input.Height / rows;
            var values = output.Values.Span;
            for (var cell = 0; cell < plane; cell++)
            {
                var logit = values[64 * plane + cell];
                if (logit < _logitThreshold)
                {
                    continue;
                }
                float ax = cell % cols + 0.5f,
                    ay = cell / cols + 0.5f;
                for (var side = 0; side < 4; side++)
                {
                    sides[side] = ExpectedBin(values, side * Bins, plane, cell);
                }
                var (x1, y1) = letterbox.ToImage((ax - sides[0]) * stride, (ay - sides[1]) * stride);
                var (x2, y2) = letterbox.ToImage((ax + sides[2]) * stride, (ay + sides[3]) * stride);
                var points = new (float X, float Y)[5];
                for (var j = 0; j < 5; j++)
                {
                    var kx = values[(65 + j * 3) * plane + cell];
                    var ky = values[(66 + j * 3) * plane + cell];
                    var (px, py) = letterbox.ToImage((2 * kx + ax - 0.5) * stride, (2 * ky + ay - 0.5) * stride);
                    points[j] = ((float)px, (float)py);
                }
                candidates.Add(
                    (
                        Sigmoid(logit),
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

    public void Dispose() => _buffers.Dispose();

    private static float ExpectedBin(ReadOnlySpan<float> values, int firstChannel, int plane, int cell)
    {
        var max = float.MinValue;
        for (var k = 0; k < Bins; k++)
        {
            max = Math.Max(max, values[(firstChannel + k) * plane + cell]);
        }
        float sum = 0,
            weighted = 0;
        for (var k = 0; k < Bins; k++)
        {
            var e = MathF.Exp(values[(firstChannel + k) * plane + cell] - max);
            sum += e;
            weighted += e * k;
        }
        return weighted / sum;
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
