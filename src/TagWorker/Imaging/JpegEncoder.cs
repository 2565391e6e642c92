using System.Runtime.InteropServices;
using NetVips;

namespace TagWorker.Imaging;

/// <summary>Face thumbnails and previews as JPEG, encoded by libvips.</summary>
public static class JpegEncoder
{
    /// <summary>The whole image, shrunk by libvips (lanczos3) to at most <paramref name="maxSide"/>.</summary>
    public static byte[] Encode(RgbImage image, int maxSide, int quality) => WithVips(image, whole =>
        {
            if (Math.Max(image.Width, image.Height) <= maxSide)
            {
                return whole.JpegsaveBuffer(q: quality);
            }
            using var small = whole.ThumbnailImage(maxSide, height: maxSide, size: Enums.Size.Down);
            return small.JpegsaveBuffer(q: quality);
        });

    /// <summary>
    /// A rectangle of the image (clipped to it) shrunk to at most <paramref name="maxSide"/>: the crop is
    /// averaged in C# (a face is small; libvips' pipeline set-up costs more than the pixels), then encoded.
    /// </summary>
    public static byte[] Encode(
        RgbImage image,
        int maxSide,
        int quality,
        (double Left, double Top, double Width, double Height) area
    )
    {
        using var crop = ImageOps.CropAndShrink(image, area.Left, area.Top, area.Width, area.Height, maxSide);
        return WithVips(crop, small => small.JpegsaveBuffer(q: quality));
    }

    private static byte[] WithVips(RgbImage image, Func<Image, byte[]> encode)
    {
        var pinned = GCHandle.Alloc(image.Buffer, GCHandleType.Pinned);
        try
        {
            return LibVips.Run(
                () =>
                {
                    using var vips = Image.NewFromMemory(
                        pinned.AddrOfPinnedObject(),
                        (ulong)(image.Width * image.Height * 3),
                        image.Width,
                        image.Height,
                        3,
                        Enums.BandFormat.Uchar
                    );
                    return encode(vips);
                },
                "cannot encode a JPEG"
            );
        }
        finally
        {
            pinned.Free();
        }
    }
}
