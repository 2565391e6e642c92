using TagWorker.Imaging;

namespace TagWorker.Inference;

public sealed record FaceEmbedding(float[] Vector, float Sharpness);

/// <summary>
/// Aligns each face on its 5 landmarks to the model's template and input size, normalises the
/// pixels as the manifest says, runs the faces in batches and L2-normalises the output. Also
/// measures sharpness (variance of the Laplacian of the aligned face) as a quality signal.
/// </summary>
public sealed class FaceEmbedder(OnnxModel session, ModelSpec model) : IDisposable
{
    private readonly OnnxBuffers _buffers = new();
    private const int Batch = 4;
    private readonly int _faceSize = 3 * model.Input.Width * model.Input.Height;
    private float[] _input = [];
    private readonly float[] _grey = new float[model.Input.Width * model.Input.Height];

    public string ModelName => model.Name;

    public IReadOnlyList<FaceEmbedding> Embed(RgbImage image, IReadOnlyList<(float X, float Y)[]> landmarks)
    {
        var results = new List<FaceEmbedding>(landmarks.Count);
        for (var start = 0; start < landmarks.Count; start += Batch)
        {
            var count = Math.Min(Batch, landmarks.Count - start);
            if (_input.Length < count * _faceSize)
            {
                _input = new float[Batch * _faceSize];
            }
            var sharpness = new float[count];
            for (var i = 0; i < count; i++)
            {
                var face = _input.AsSpan(i * _faceSize, _faceSize);
                ImageOps.WarpAffineInto(
                    image,
                    FaceAligner.Estimate(landmarks[start + i], model.Template),
                    model.Input,
                    face
                );
                sharpness[i] = Sharpness(face);
            }
            var output = session.Run(_input, [count, 3, model.Input.Height, model.Input.Width], _buffers)[0];
            var dims = (int)output.Shape[1];
            for (var i = 0; i < count; i++)
            {
                var vector = output.Values.Span.Slice(i * dims, dims).ToArray();
                Normalise(vector);
                results.Add(new FaceEmbedding(vector, sharpness[i]));
            }
        }
        return results;
    }

    public void Dispose() => _buffers.Dispose();

    public static void Normalise(Span<float> vector)
    {
        var norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(vector));
        if (norm > 0)
        {
            System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    /// <summary>Variance of the 4-neighbour Laplacian of the grey face, in 8-bit pixel units.</summary>
    private float Sharpness(ReadOnlySpan<float> face)
    {
        int w = model.Input.Width,
            h = model.Input.Height,
            plane = w * h;
        var grey = _grey;
        for (var i = 0; i < plane; i++)
        {
            // Back to 0..255 whatever the model's normalisation, then luma (channel order does not matter much here).
            grey[i] =
                (0.299f * face[i] + 0.587f * face[plane + i] + 0.114f * face[2 * plane + i]) / model.Input.Scale
                + model.Input.Mean;
        }
        double sum = 0,
            sumSquares = 0;
        var n = 0;
        for (var y = 1; y < h - 1; y++)
        {
            for (var x = 1; x < w - 1; x++)
            {
                var i = y * w + x;
                double laplacian = grey[i - 1] + grey[i + 1] + grey[i - w] + grey[i + w] - 4 * grey[i];
                sum += laplacian;
                sumSquares += laplacian * laplacian;
                n++;
            }
        }
        var mean = sum / n;
        return (float)(sumSquares / n - mean * mean);
    }
}
