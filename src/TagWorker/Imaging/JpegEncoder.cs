using System.Runtime.InteropServices;
using NetVips;

namespace TagWorker.Imaging;

/// <summary>Face thumbnails and previews: a part of an RGB image, shrunk and encoded as JPEG by libvips.</summary>
public static class JpegEncoder
{
    /// <summary>The whole image, or the given rectangle (clipped to it), shrunk to at most <paramref name="maxSide"/>.</summary>
    public static byte[] Encode(RgbImage image, int maxSide, int quality, (double Left, double Top, double Width, double Height)? area = null)
    {
        var (left, top, width, height) = area ?? (0, 0, image.Width, image.Height);
        var x0 = Math.Clamp((int)Math.Floor(left), 0, image.Width - 1);
        var y0 = Math.Clamp((int)Math.Floor(top), 0, image.Height - 1);
        var x1 = Math.Clamp((int)Math.Ceiling(left + width), x0 + 1, image.Width);
        var y1 = Math.Clamp((int)Math.Ceiling(top + height), y0 + 1, image.Height);
        var pinned = GCHandle.Alloc(image.Buffer, GCHandleType.Pinned);
        try
        {
            return LibVips.Run(() =>
            {
                using var whole = Image.NewFromMemory(pinned.AddrOfPinnedObject(), (ulong)(image.Width * image.Height * 3),
                    image.Width, image.Height, 3, Enums.BandFormat.Uchar);
                using var part = whole.ExtractArea(x0, y0, x1 - x0, y1 - y0);
                using var small = part.ThumbnailImage(maxSide, height: maxSide, size: Enums.Size.Down);
                return small.JpegsaveBuffer(q: quality);
            }, "cannot encode a JPEG");
        }
        finally
        {
            pinned.Free();
        }
    }
}
