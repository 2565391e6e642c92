namespace TagWorker.Imaging;

/// <summary>
/// A photo as displayed (EXIF orientation applied): its full displayed size, the orientation of the
/// stored pixels, and a working copy no larger than ImagingOptions.WorkingSize (a JPEG's own
/// shrink may leave it up to a thirty-second larger).
/// </summary>
public sealed class DecodedPhoto(RgbImage image, int width, int height, int orientation, string? takenAt = null)
    : IDisposable
{
    public RgbImage Image { get; } = image;

    /// <summary>Displayed width and height of the full photo.</summary>
    public int Width { get; } = width;
    public int Height { get; } = height;

    /// <summary>EXIF orientation of the stored pixels (1 to 8).</summary>
    public int Orientation { get; } = orientation;

    /// <summary>EXIF DateTimeOriginal as "yyyy-MM-ddTHH:mm:ss" (camera local time), when the photo has one.</summary>
    public string? TakenAt { get; } = takenAt;

    /// <summary>Full-photo pixels per working-copy pixel.</summary>
    public double Scale => (double)Width / Image.Width;

    public void Dispose() => Image.Dispose();
}
