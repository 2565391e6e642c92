using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using TagWorker.Imaging;

namespace TagWorker.WriteBack;

/// <summary>The proof an embedded write touched only metadata: the image data before and after are identical.</summary>
public static class ImageData
{
    public static void EnsureSame(byte[] a, byte[] b)
    {
        if (IsJpeg(a))
        {
            var sa = StartOfScan(a);
            var sb = IsJpeg(b) ? StartOfScan(b) : -1;
            if (sa < 0 || sb < 0 || !a.AsSpan(sa).SequenceEqual(b.AsSpan(sb)))
            {
                throw new WriteBackException("verification failed: the JPEG image data (from the first SOS marker) changed");
            }
            return;
        }
        if (!PixelHash(a).AsSpan().SequenceEqual(PixelHash(b)))
        {
            throw new WriteBackException("verification failed: the decoded pixels changed");
        }
    }

    private static bool IsJpeg(byte[] data) => data.Length > 4 && data[0] == 0xFF && data[1] == 0xD8;

    /// <summary>Offset of the first SOS (FFDA) marker, walking the segments from SOI; -1 when the structure is broken.</summary>
    public static int StartOfScan(ReadOnlySpan<byte> jpeg)
    {
        var i = 2;
        while (i + 4 <= jpeg.Length)
        {
            if (jpeg[i] != 0xFF)
            {
                return -1;
            }
            var marker = jpeg[i + 1];
            if (marker == 0xFF)
            {
                i++; // fill byte
                continue;
            }
            if (marker == 0xDA)
            {
                return i;
            }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                i += 2;
                continue;
            }
            i += 2 + ((jpeg[i + 2] << 8) | jpeg[i + 3]);
        }
        return -1;
    }

    private static ReadOnlySpan<byte> XmpSignature => "http://ns.adobe.com/xap/1.0/\0"u8;

    private static ReadOnlySpan<byte> ExtendedXmpSignature => "http://ns.adobe.com/xmp/extension/\0"u8;

    /// <summary>
    /// The XMP packet of a JPEG read straight from its APP1 segment (no exiftool round trip). False when the file is
    /// not a JPEG or splits its XMP into extended segments: then exiftool reads it.
    /// </summary>
    public static bool TryReadJpegXmp(ReadOnlySpan<byte> jpeg, out byte[]? packet)
    {
        packet = null;
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            return false;
        }
        var i = 2;
        while (i + 4 <= jpeg.Length && jpeg[i] == 0xFF)
        {
            var marker = jpeg[i + 1];
            if (marker is 0xDA or 0xD9)
            {
                return true;
            }
            if (marker == 0xFF)
            {
                i++;
                continue;
            }
            var length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (i + 2 + length > jpeg.Length)
            {
                return false;
            }
            var body = jpeg.Slice(i + 4, length - 2);
            if (marker == 0xE1 && body.StartsWith(ExtendedXmpSignature))
            {
                return false;
            }
            if (marker == 0xE1 && body.StartsWith(XmpSignature) && packet is null)
            {
                packet = body[XmpSignature.Length..].ToArray();
            }
            i += 2 + length;
        }
        return false;
    }

    private static byte[] PixelHash(byte[] data)
    {
        var decoder = new ImageDecoder(Options.Create(new ImagingOptions()));
        using var photo = decoder.Decode(data);
        return SHA256.HashData(photo.Image.Pixels);
    }
}
