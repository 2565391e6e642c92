using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NetVips;

namespace TagWorker.Imaging;

/// <summary>
/// Decodes any format TagWorker accepts (JPEG, PNG, WebP, HEIC/AVIF, TIFF, JPEG XL) to 8-bit sRGB
/// RGB with the orientation applied, shrinking while loading, so a 12 MP JPEG never decodes at full
/// size. The header is read first, so a decompression bomb is refused before a single pixel is
/// decoded. Files are read through their descriptor, never whole into memory.
/// JPEGs without a colour profile (most cameras) load with libjpeg's own shrink and rotation: the
/// same pixels as libvips' thumbnail, ~15 ms less per 12 MP photo (measured: 46 vs 58-62 ms).
/// Everything else goes through thumbnail, which also converts embedded colour profiles to sRGB.
/// </summary>
public sealed class ImageDecoder
{
    private readonly ImagingOptions _options;
    private readonly DecodeBudget _budget;

    public ImageDecoder(IOptions<ImagingOptions> options, ILogger<ImageDecoder>? logger = null)
    {
        _options = options.Value;
        _budget = new DecodeBudget((long)_options.DecodeMemoryMb << 20);
        var log = logger ?? NullLogger<ImageDecoder>.Instance;
        LibVips.Start(_options.VipsThreads, message => log.LogDebug("libvips: {Message}", message));
    }

    /// <summary>Decodes an open file from its start; the stream is only read.</summary>
    public DecodedPhoto Decode(FileStream file) => Decode(file, _options.WorkingSize, WorkingSlack);

    /// <summary>Decodes an open file at most <paramref name="size"/> pixels on its long side (the same checks and
    /// budget).</summary>
    public DecodedPhoto Decode(FileStream file, int size) => Decode(file, size, 0);

    /// <summary>
    /// How much larger than the working size a JPEG's own shrink may leave the working copy: a phone's 4032 px photo
    /// shrinks to 1008, and resampling that to 1000 cost ~12 ms a photo and changed nothing the detectors see.
    /// </summary>
    private int WorkingSlack => _options.WorkingSize / 32;

    private DecodedPhoto Decode(FileStream file, int size, int slack)
    {
        if (file.Length == 0)
        {
            throw new ImagingException("empty file (0 bytes)");
        }
        CheckSignature(file);
        // libvips reads through its own duplicate of the descriptor.
        return Decode(() => Source.NewFromDescriptor((int)file.SafeFileHandle.DangerousGetHandle()), size, slack);
    }

    public DecodedPhoto Decode(byte[] data)
    {
        if (data.Length == 0)
        {
            throw new ImagingException("empty file (0 bytes)");
        }
        CheckSignature(data.AsSpan(0, Math.Min(16, data.Length)));
        return Decode(() => Source.NewFromMemory(data), _options.WorkingSize, WorkingSlack);
    }

    /// <summary>What the header says (displayed size, orientation, date taken), without decoding a pixel.</summary>
    public PhotoHeader ReadHeader(FileStream file)
    {
        CheckSignature(file);
        using var source = LibVips.Run(
            () => Source.NewFromDescriptor((int)file.SafeFileHandle.DangerousGetHandle()),
            "cannot read the file"
        );
        var header = LibVips.Run(() => FileHeader.Read(source), "not a photo TagWorker can read");
        return header.Orientation >= 5
            ? new PhotoHeader(header.Height, header.Width, header.Orientation, header.TakenAt)
            : new PhotoHeader(header.Width, header.Height, header.Orientation, header.TakenAt);
    }

    private DecodedPhoto Decode(Func<Source> open, int size, int slack)
    {
        using var source = LibVips.Run(open, "cannot read the file");
        var header = LibVips.Run(() => FileHeader.Read(source), "not a photo TagWorker can read");
        var megapixels = (double)header.Width * header.Height / 1e6;
        if (megapixels > _options.MaxMegapixels)
        {
            throw new ImagingException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{header.Width}x{header.Height} is {megapixels:F0} megapixels, over the limit of {_options.MaxMegapixels} (Imaging:MaxMegapixels)"
                )
            );
        }
        var (cost, why) = header.DecodeCost();
        if (cost > _budget.Bytes)
        {
            throw new ImagingException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{header.Width}x{header.Height} {why} needs about {cost >> 20} MB to decode, over the limit of {_options.DecodeMemoryMb} MB (Imaging:DecodeMemoryMb)"
                )
            );
        }
        RgbImage image;
        using (_budget.Take(cost))
        {
            image = LibVips.Run(
                () => header.PlainJpeg ? LoadJpeg(source, header, size, slack) : Thumbnail(source, size),
                "cannot decode"
            );
        }
        var (width, height, orientation) =
            header.Orientation >= 5
                ? (header.Height, header.Width, header.Orientation)
                : (header.Width, header.Height, header.Orientation);
        if (!SameShape(image, width, height) && SameShape(image, height, width))
        {
            // The loader rotated already (HEIF transforms): trust the pixels we got.
            (width, height, orientation) = (height, width, 1);
        }
        return new DecodedPhoto(image, width, height, orientation, header.TakenAt);
    }

    private static RgbImage Thumbnail(Source source, int size)
    {
        // fail_on goes to the loader through option_string: 8.14's thumbnail does not pass its own
        // fail_on on, and without it a truncated JPEG decodes "successfully" with a grey bottom.
        using var thumb = Image.ThumbnailSource(source, size, "fail_on=truncated", height: size, size: Enums.Size.Down);
        return ToRgb(thumb);
    }

    /// <summary>libjpeg's own shrink while loading, then lanczos3 to <paramref name="size"/> unless the shrink
    /// left it at most <paramref name="slack"/> larger.</summary>
    private static RgbImage LoadJpeg(Source source, FileHeader header, int size, int slack)
    {
        var longest = Math.Max(header.Width, header.Height);
        var shrink = 8;
        while (shrink > 1 && (longest + shrink - 1) / shrink < size)
        {
            shrink /= 2;
        }
        using var loaded = Image.JpegloadSource(
            source,
            shrink: shrink,
            autorotate: true,
            access: Enums.Access.Sequential,
            failOn: Enums.FailOn.Truncated
        );
        var side = Math.Max(loaded.Width, loaded.Height);
        if (side <= size + slack)
        {
            return ToRgb(loaded);
        }
        using var resized = loaded.Resize((double)size / side); // lanczos3, as thumbnail resizes
        return ToRgb(resized);
    }

    /// <summary>
    /// The first bytes must be those of a format TagWorker reads. Otherwise libvips, finding no loader by its own
    /// sniffing, maps the whole file to try its buffer loaders: a 2 GB file named .jpg cost 2.3 GB and 24 s.
    /// </summary>
    private static void CheckSignature(FileStream file)
    {
        Span<byte> head = stackalloc byte[16];
        var read = RandomAccess.Read(file.SafeFileHandle, head, 0);
        CheckSignature(head[..read]);
    }

    private static void CheckSignature(ReadOnlySpan<byte> head)
    {
        var known =
            head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) // JPEG
            || head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']) // PNG
            || (head.StartsWith("RIFF"u8) && head.Length >= 12 && head[8..12].SequenceEqual("WEBP"u8)) // WebP
            || (head.Length >= 8 && head[4..8].SequenceEqual("ftyp"u8)) // HEIF, AVIF (ISO BMFF)
            || head.StartsWith("II*\0"u8)
            || head.StartsWith("MM\0*"u8) // TIFF
            || head.StartsWith("II+\0"u8)
            || head.StartsWith("MM\0+"u8) // BigTIFF
            || head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0x0A]) // JPEG XL codestream
            || head.StartsWith((ReadOnlySpan<byte>)[0, 0, 0, 0x0C, (byte)'J', (byte)'X', (byte)'L', (byte)' ']); // JPEG XL container
        if (!known)
        {
            throw new ImagingException(
                "not a photo TagWorker can read: the file does not start like a JPEG, PNG, WebP, HEIF/AVIF, TIFF or JPEG XL"
                    + (head.IndexOfAnyExcept((byte)0) < 0 ? " (it starts with zeros)" : "")
            );
        }
    }

    /// <summary>Any colour space, bit depth or alpha to 8-bit sRGB with three bands, in a pooled buffer.</summary>
    private static RgbImage ToRgb(Image decoded)
    {
        var steps = new List<Image>(3);
        try
        {
            var image = decoded;
            if (image.Interpretation != Enums.Interpretation.Srgb || image.Bands < 3)
            {
                steps.Add(image = image.Colourspace(Enums.Interpretation.Srgb));
            }
            if (image.Bands > 3)
            {
                // Alpha (or a fourth band) is dropped, not composited: the colours stay what the camera stored.
                steps.Add(image = image.ExtractBand(0, n: 3));
            }
            if (image.Format != Enums.BandFormat.Uchar)
            {
                steps.Add(image = image.Cast(Enums.BandFormat.Uchar));
            }
            var pixels = image.WriteToMemory(out var length);
            try
            {
                if ((long)length != (long)image.Width * image.Height * 3)
                {
                    throw new ImagingException(
                        $"unexpected pixel layout ({length} bytes for {image.Width}x{image.Height})"
                    );
                }
                var rgb = new RgbImage(image.Width, image.Height);
                System.Runtime.InteropServices.Marshal.Copy(pixels, rgb.Buffer, 0, (int)length);
                return rgb;
            }
            finally
            {
                NetVips.NetVips.Free(pixels);
            }
        }
        finally
        {
            foreach (var step in steps)
            {
                step.Dispose();
            }
        }
    }

    private static bool SameShape(RgbImage image, int width, int height) =>
        Math.Abs((double)image.Width / image.Height - (double)width / height)
        <= 0.02 * width / height + 2.0 / image.Height;
}
