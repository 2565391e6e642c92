using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using NetVips;

namespace TagWorker.Imaging;

/// <summary>
/// The identity of an image whose container mixes metadata and pixels (TIFF, JPEG XL): SHA-256 of the
/// pixels decoded at a fixed size (1024 px, 8-bit sRGB, orientation as stored). A metadata edit leaves
/// them as they were; a crop or retouch does not. Bounded memory whatever the photo's size.
/// </summary>
public sealed class PixelHash
{
    private const int Size = 1024;

    public PixelHash(IOptions<ImagingOptions> options) => LibVips.Start(options.Value.VipsThreads);

    public byte[] Compute(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        return LibVips.Run(
            () =>
            {
                using var source = Source.NewFromDescriptor((int)file.SafeFileHandle.DangerousGetHandle());
                using var thumb = Image.ThumbnailSource(
                    source,
                    Size,
                    "fail_on=truncated",
                    height: Size,
                    size: Enums.Size.Down,
                    noRotate: true
                );
                using var srgb = thumb.Colourspace(Enums.Interpretation.Srgb);
                using var bytes = srgb.Cast(Enums.BandFormat.Uchar);
                var pixels = bytes.WriteToMemory(out var length);
                try
                {
                    var copy = new byte[length];
                    Marshal.Copy(pixels, copy, 0, (int)length);
                    return SHA256.HashData(copy);
                }
                finally
                {
                    NetVips.NetVips.Free(pixels);
                }
            },
            "cannot decode"
        );
    }
}
