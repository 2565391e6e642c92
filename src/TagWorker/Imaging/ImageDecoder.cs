using System.Globalization;
using Microsoft.Extensions.Options;
using TagWorker.Inference;

namespace TagWorker.Imaging;

/// <summary>
/// Decodes any format libvips reads (JPEG, PNG, WebP, HEIC/AVIF, TIFF) from bytes to 8-bit sRGB RGB,
/// orientation applied, using shrink-on-load so a 12 MP JPEG never decodes at full size. The header
/// is read first, so a decompression bomb is refused before a single pixel is decoded.
/// </summary>
public sealed unsafe class ImageDecoder
{
    private readonly ImagingOptions _options;

    public ImageDecoder(IOptions<ImagingOptions> options)
    {
        _options = options.Value;
        Vips.EnsureLoaded();
        Vips.Concurrency(_options.VipsThreads);
    }

    public DecodedPhoto Decode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            throw new ImagingException("empty file");
        }
        fixed (byte* buffer = data)
        {
            var (storedWidth, storedHeight, orientation, takenAt) = ReadHeader((nint)buffer, (nuint)data.Length);
            var megapixels = (double)storedWidth * storedHeight / 1e6;
            if (megapixels > _options.MaxMegapixels)
            {
                throw new ImagingException(string.Create(CultureInfo.InvariantCulture,
                    $"{storedWidth}x{storedHeight} is {megapixels:F0} megapixels, over the limit of {_options.MaxMegapixels} (Imaging:MaxMegapixels)"));
            }
            var size = _options.WorkingSize;
            nint thumb;
            // fail_on goes to the loader through option_string: 8.14's thumbnail_buffer does not pass its own
            // fail_on on, and without it a truncated JPEG decodes "successfully" with a grey bottom.
            fixed (byte* height = "height\0"u8, sizeName = "size\0"u8, options = "option_string\0"u8, failOn = "fail_on=truncated\0"u8)
            {
                if (Vips.ThumbnailBuffer((nint)buffer, (nuint)data.Length, &thumb, size, height, size, sizeName, Vips.SizeDown, options, failOn, 0) != 0)
                {
                    throw Vips.Error("cannot decode");
                }
            }
            var image = ToRgb(thumb);
            var (width, height2) = orientation >= 5 ? (storedHeight, storedWidth) : (storedWidth, storedHeight);
            if (!SameShape(image, width, height2))
            {
                // The loader rotated already (HEIF transforms): trust the pixels we got.
                (width, height2, orientation) = SameShape(image, height2, width) ? (height2, width, 1) : (width, height2, orientation);
            }
            return new DecodedPhoto(image, width, height2, orientation, takenAt);
        }
    }

    private static (int Width, int Height, int Orientation, string? TakenAt) ReadHeader(nint buffer, nuint length)
    {
        nint header;
        fixed (byte* empty = "\0"u8)
        {
            header = Vips.ImageNewFromBuffer(buffer, length, empty, 0);
        }
        if (header == 0)
        {
            throw Vips.Error("not a photo libvips can read");
        }
        try
        {
            var orientation = 1;
            fixed (byte* name = "orientation\0"u8)
            {
                int value;
                if (Vips.GetTypeOf(header, name) != 0 && Vips.GetInt(header, name, &value) == 0 && value is >= 1 and <= 8)
                {
                    orientation = value;
                }
            }
            return (Vips.GetWidth(header), Vips.GetHeight(header), orientation, TakenAt(header));
        }
        finally
        {
            Vips.Unref(header);
        }
    }

    /// <summary>
    /// EXIF DateTimeOriginal ("2019:05:01 12:00:00 (...)" as libvips shows it) as "2019-05-01T12:00:00";
    /// null when missing or not a date (cameras write "0000:00:00 00:00:00" when unset).
    /// </summary>
    private static string? TakenAt(nint header)
    {
        fixed (byte* name = "exif-ifd2-DateTimeOriginal\0"u8)
        {
            byte* value;
            if (Vips.GetTypeOf(header, name) == 0 || Vips.GetString(header, name, &value) != 0 || value is null)
            {
                return null;
            }
            var text = new string((sbyte*)value);
            return text.Length >= 19 && DateTime.TryParseExact(text[..19], "yyyy:MM:dd HH:mm:ss", CultureInfo.InvariantCulture,
                DateTimeStyles.None, out var taken) ? taken.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) : null;
        }
    }

    /// <summary>Any colour space, bit depth or alpha to 8-bit sRGB with three bands; takes ownership of <paramref name="image"/>.</summary>
    private static RgbImage ToRgb(nint image)
    {
        try
        {
            if (Vips.GetInterpretation(image) != Vips.InterpretationSrgb || Vips.GetBands(image) < 3)
            {
                image = Step(image, (nint i, nint* o) => Vips.Colourspace(i, o, Vips.InterpretationSrgb, 0), "cannot convert to sRGB");
            }
            if (Vips.GetBands(image) > 3)
            {
                // Alpha (or a fourth band) is dropped, not composited: the colours stay what the camera stored.
                image = Step(image, (nint i, nint* o) =>
                {
                    fixed (byte* n = "n\0"u8)
                    {
                        return Vips.ExtractBand(i, o, 0, n, 3, 0);
                    }
                }, "cannot drop alpha");
            }
            if (Vips.GetFormat(image) != Vips.FormatUchar)
            {
                image = Step(image, (nint i, nint* o) => Vips.Cast(i, o, Vips.FormatUchar, 0), "cannot convert to 8 bits");
            }
            nuint length;
            var pixels = Vips.WriteToMemory(image, &length);
            if (pixels == 0)
            {
                throw Vips.Error("cannot decode");
            }
            try
            {
                int width = Vips.GetWidth(image), height = Vips.GetHeight(image);
                if ((long)length != (long)width * height * 3)
                {
                    throw new ImagingException($"unexpected pixel layout ({length} bytes for {width}x{height})");
                }
                var rgb = new RgbImage(width, height);
                new ReadOnlySpan<byte>((void*)pixels, (int)length).CopyTo(rgb.Pixels);
                return rgb;
            }
            finally
            {
                Vips.Free(pixels);
            }
        }
        finally
        {
            Vips.Unref(image);
        }
    }

    private delegate int Operation(nint input, nint* output);

    private static nint Step(nint image, Operation operation, string what)
    {
        nint output;
        var status = operation(image, &output);
        Vips.Unref(image);
        return status == 0 ? output : throw Vips.Error(what);
    }

    private static bool SameShape(RgbImage image, int width, int height) =>
        Math.Abs((double)image.Width / image.Height - (double)width / height) <= 0.02 * width / height + 2.0 / image.Height;

    /// <summary>A failure reason for the owner to read: our own errors as they are, anything else with its type.</summary>
    public static string Describe(Exception e) => e is ImagingException or IOException or UnauthorizedAccessException or OnnxException
        ? e.Message : $"{e.GetType().Name}: {e.Message}";
}
