namespace TagWorker.Imaging;

/// <summary>How a model wants its pixels: size, channel order, (value - Mean) * Scale, letterbox padding.</summary>
public sealed record TensorInput(int Width, int Height, bool Bgr, float Mean, float Scale, float Pad, bool CentrePad);

/// <summary>Where the image landed inside a letterboxed input: input = image * Ratio + (PadX, PadY).</summary>
public readonly record struct Letterbox(double Ratio, double PadX, double PadY)
{
    public (double X, double Y) ToImage(double x, double y) => ((x - PadX) / Ratio, (y - PadY) / Ratio);
}
