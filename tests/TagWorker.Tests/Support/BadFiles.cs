using System.Buffers.Binary;

namespace TagWorker.Tests.Support;

/// <summary>
/// Hostile photos made by construction: headers that claim sizes the data does not hold, so a few KB on disk can ask
/// for gigabytes. Each starts from a small image the vips command wrote (or a hand-made PNG) with only its size fields
/// patched.
/// </summary>
public static class BadFiles
{
    /// <summary>A valid PNG signature and IHDR (a header that claims any size).</summary>
    public static byte[] PngHeader(int width, int height, byte colourType = 2, byte interlace = 0)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = colourType; // 2 RGB, 6 RGBA
        ihdr[12] = interlace; // 1: Adam7
        return [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. Chunk("IHDR", ihdr)];
    }

    /// <summary>A PNG that claims <paramref name="width"/> x <paramref name="height"/> and holds 1 KB of
    /// zeros.</summary>
    public static byte[] PngBomb(int width, int height, byte colourType = 2, byte interlace = 0) =>
        [
            .. PngHeader(width, height, colourType, interlace),
            .. Chunk("IDAT", Deflate(new byte[1024])),
            .. Chunk("IEND", []),
        ];

    /// <summary>A PNG whose compressed pixel data is garbage: the failure happens inside zlib, inside
    /// libvips.</summary>
    public static byte[] CorruptPng()
    {
        var header = PngHeader(64, 64);
        var garbage = new byte[200];
        new Random(7).NextBytes(garbage);
        garbage[0] = 0x78; // a zlib header, then nonsense
        garbage[1] = 0x9C;
        return [.. header, .. Chunk("IDAT", garbage), .. Chunk("IEND", [])];
    }

    /// <summary>A small JPEG (progressive or baseline) whose frame header claims the given size.</summary>
    public static byte[] JpegBomb(int width, int height, bool progressive)
    {
        var bytes = Encoded(".jpg", progressive ? "[interlace]" : "");
        var sof = Find(bytes, [0xFF, progressive ? (byte)0xC2 : (byte)0xC0]);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(sof + 5), checked((ushort)height));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(sof + 7), checked((ushort)width));
        return bytes;
    }

    /// <summary>A lossy WebP whose VP8 frame claims the given size (at most 16383 each way).</summary>
    public static byte[] WebpBomb(int width, int height)
    {
        var bytes = Encoded(".webp", "");
        var frame = Find(bytes, [0x9D, 0x01, 0x2A]); // the VP8 key frame's start code, then width and height
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(frame + 3), checked((ushort)width));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(frame + 5), checked((ushort)height));
        return bytes;
    }

    /// <summary>A little-endian TIFF whose first directory claims the given size.</summary>
    public static byte[] TiffBomb(int width, int height)
    {
        var bytes = Encoded(".tif", "");
        var ifd = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4));
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(ifd));
        for (var i = 0; i < entries; i++)
        {
            var entry = ifd + 2 + 12 * i;
            var tag = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(entry));
            var type = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(entry + 2));
            if (tag is 256 or 257)
            {
                var value = tag == 256 ? width : height;
                if (type == 3)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(entry + 8), checked((ushort)value));
                }
                else
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(entry + 8), (uint)value);
                }
            }
        }
        return bytes;
    }

    /// <summary>A HEIF (HEVC) or AVIF (AV1) whose image-size property ('ispe') claims the given size.</summary>
    public static byte[] HeifBomb(int width, int height, bool avif)
    {
        var bytes = Encoded(avif ? ".avif" : ".heic", avif ? "[compression=av1]" : "[compression=hevc]");
        var ispe = Find(bytes, "ispe"u8.ToArray());
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(ispe + 8), (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(ispe + 12), (uint)height);
        return bytes;
    }

    /// <summary>A sparse file of <paramref name="length"/> bytes that starts with <paramref name="head"/>: no disk
    /// used.</summary>
    public static void Sparse(string path, byte[] head, long length)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.Write(head);
        file.SetLength(length);
    }

    /// <summary>
    /// A 64 px thumbnail of a real photo in the given format, written by the <c>vips</c> command (libvips-tools, which
    /// <c>scripts/setup --test</c> installs) in its own process: encoders loaded into the test host crashed it later.
    /// </summary>
    private static byte[] Encoded(string extension, string options)
    {
        using var dir = new TempDir("encode");
        var output = dir.Combine("small" + extension);
        var run = Shell.Run("vips", "thumbnail", Path.Combine(Repo.Photos, "bus.jpg"), output + options, "64");
        return File.Exists(output)
            ? File.ReadAllBytes(output)
            : throw new InvalidOperationException($"vips could not write {extension}: {run.Output}");
    }

    private static int Find(byte[] bytes, byte[] pattern)
    {
        var at = bytes.AsSpan().IndexOf(pattern);
        return at >= 0
            ? at
            : throw new InvalidOperationException(
                $"pattern {Convert.ToHexString(pattern)} not found in the encoded image"
            );
    }

    public static byte[] Deflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(output, System.IO.Compression.CompressionLevel.Optimal))
        {
            zlib.Write(data);
        }
        return output.ToArray();
    }

    public static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        return ~crc;
    }
}
