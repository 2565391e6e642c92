namespace TagWorker.Imaging;

/// <summary>How a model wants its pixels: size, channel order, (value - Mean) * Scale, letterbox padding.</summary>
public sealed record TensorInput(int Width, int Height, bool Bgr, float Mean, float Scale, float Pad, bool CentrePad);

/// <summary>Where the image landed inside a letterboxed input: input = image * Ratio + (PadX, PadY).</summary>
public readonly record struct Letterbox(double Ratio, double PadX, double PadY)
{
    public (double X, double Y) ToImage(double x, double y) => ((x - PadX) / Ratio, (y - PadY) / Ratio);
}

/// <summary>An image scaled by <see cref="Ratio"/> to fit a model's input, and the size of the image it came
/// from.</summary>
public sealed class ScaledImage(RgbImage image, double ratio, int sourceWidth, int sourceHeight) : IDisposable
{
    public RgbImage Image { get; } = image;
    public double Ratio { get; } = ratio;
    public int SourceWidth { get; } = sourceWidth;
    public int SourceHeight { get; } = sourceHeight;

    public void Dispose() => Image.Dispose();
}
