using System.Globalization;
using NetVips;

namespace TagWorker.Imaging;

/// <summary>A photo's header: displayed size, EXIF orientation, DateTimeOriginal.</summary>
public sealed record PhotoHeader(int Width, int Height, int Orientation, string? TakenAt);

/// <summary>
/// What libvips reads from a file's header before a pixel is decoded: the stored size and orientation, the date
/// taken, the loader, whether the image must be decoded whole, and so what its decode would hold in memory.
/// </summary>
internal sealed record FileHeader(
    int Width,
    int Height,
    int Orientation,
    string? TakenAt,
    bool PlainJpeg,
    string Loader,
    bool WholeImage,
    int Bands,
    int SampleBytes
)
{
    public static FileHeader Read(Source source)
    {
        using var image = Image.NewFromSource(source, access: Enums.Access.Sequential);
        var orientation =
            image.GetTypeOf("orientation") != IntPtr.Zero && image.Get("orientation") is int value and >= 1 and <= 8
                ? value
                : 1;
        var loader =
            image.GetTypeOf("vips-loader") != IntPtr.Zero && image.Get("vips-loader") is string name ? name : "";
        var plainJpeg =
            loader.StartsWith("jpegload", StringComparison.Ordinal)
            && image.GetTypeOf("icc-profile-data") == IntPtr.Zero
            && image.Interpretation == Enums.Interpretation.Srgb;
        // Interlaced PNGs and progressive JPEGs cannot be decoded a few lines at a time.
        var whole = Flag(image, "interlaced") || Flag(image, "jpeg-multiscan");
        var sampleBytes =
            image.Format is Enums.BandFormat.Ushort or Enums.BandFormat.Short ? 2
            : image.Format is Enums.BandFormat.Float ? 4
            : 1;
        return new FileHeader(
            image.Width,
            image.Height,
            orientation,
            DateTaken(image),
            plainJpeg,
            loader,
            whole,
            image.Bands,
            sampleBytes
        );
    }

    private static bool Flag(Image image, string field) =>
        image.GetTypeOf(field) != IntPtr.Zero && image.Get(field) is int flag && flag != 0;

    /// <summary>
    /// What a decode holds in memory at once, and why: nothing to speak of for formats read in parts; the whole
    /// image for an interlaced PNG; the DCT coefficients (2 bytes a sample, whatever the shrink) for a progressive
    /// JPEG; the decoded planes plus libheif's own for HEIF/AVIF.
    /// </summary>
    public (long Bytes, string Why) DecodeCost()
    {
        var pixels = (long)Width * Height;
        return Loader switch
        {
            var l when l.StartsWith("pngload", StringComparison.Ordinal) && WholeImage => (
                pixels * Bands * SampleBytes,
                "interlaced PNG"
            ),
            var l when l.StartsWith("jpegload", StringComparison.Ordinal) && WholeImage => (
                pixels * Bands * 2,
                "progressive JPEG"
            ),
            var l when l.StartsWith("heifload", StringComparison.Ordinal) => (
                pixels * (Bands * SampleBytes + 2),
                "HEIF/AVIF"
            ),
            _ => (0, ""),
        };
    }

    /// <summary>
    /// EXIF DateTimeOriginal ("2019:05:01 12:00:00 (...)" as libvips shows it) as "2019-05-01T12:00:00";
    /// null when missing or not a date (cameras write "0000:00:00 00:00:00" when unset).
    /// </summary>
    private static string? DateTaken(Image header)
    {
        const string field = "exif-ifd2-DateTimeOriginal";
        if (header.GetTypeOf(field) == IntPtr.Zero || header.Get(field) is not string text)
        {
            return null;
        }
        return
            text.Length >= 19
            && DateTime.TryParseExact(
                text[..19],
                "yyyy:MM:dd HH:mm:ss",
                CultureInfo.InvariantCulture,
                DateTimeStyles.None,
                out var taken
            )
            ? taken.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)
            : null;
    }
}
