using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace TagWorker.Library;

/// <summary>
/// A file's two identities: all its bytes (SHA-256), and its image alone (what metadata edits never
/// touch). <see cref="MixedContainer"/>: a TIFF or JPEG XL, whose image identity needs decoded pixels.
/// </summary>
public sealed record FileHashes(byte[] File, byte[]? Image, bool MixedContainer = false);

/// <summary>
/// Reads a file once and hashes it twice: every byte (the file's identity) and only the bytes that
/// make the image (the photo's identity), so that a keyword, a rating or a date written by another
/// program leaves the photo the same photo. What counts as "the image", per container:
/// <list type="bullet">
/// <item>JPEG: every segment but APP0-APP15 and COM (where EXIF, XMP, IPTC, ICC and comments live),
/// and the scans up to EOI; bytes after EOI (trailers) are not the image.</item>
/// <item>PNG: every chunk but tEXt, zTXt, iTXt (XMP), eXIf and tIME.</item>
/// <item>WebP: the VP8, VP8L, ALPH, ANIM and ANMF chunks (not VP8X, whose flags say whether EXIF or XMP exist).</item>
/// <item>HEIF/AVIF (ISO BMFF): the data of every item that is not Exif, mime (XMP) or uri, located through
/// iloc, with each item's type; exiftool moves these bytes when it rewrites a file, never changes them.</item>
/// </list>
/// Other formats (TIFF, JPEG XL) interleave metadata and pixels: their image hash is null here and
/// the caller may use a hash of decoded pixels. Parsing is hand-written because no package hashes
/// parts of a file while streaming it; it reads through one 256 KB buffer and never holds the file.
/// </summary>
public static class ImageHash
{
    private const int BufferSize = 256 * 1024;

    public static FileHashes Compute(string path)
    {
        using var stream = new FileStream(
            path,
            FileMode.Open,
            FileAccess.Read,
            FileShare.ReadWrite | FileShare.Delete,
            bufferSize: 0,
            FileOptions.SequentialScan
        );
        using var reader = new Reader(stream);
        byte[]? image = null;
        var mixed = false;
        try
        {
            Span<byte> magic = stackalloc byte[12];
            var got = reader.Peek(magic);
            mixed =
                got >= 4 && (magic[..4].SequenceEqual("II*\0"u8) || magic[..4].SequenceEqual("MM\0*"u8))
                || got >= 2 && magic[0] == 0xFF && magic[1] == 0x0A
                || got >= 12 && magic[4..12].SequenceEqual(JxlBox);
            image =
                got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF ? Jpeg(reader)
                : got >= 8 && magic[..8].SequenceEqual(PngSignature) ? Png(reader)
                : got >= 12 && magic[..4].SequenceEqual("RIFF"u8) && magic[8..12].SequenceEqual("WEBP"u8) ? WebP(reader)
                : got >= 8 && magic[4..8].SequenceEqual("ftyp"u8) ? IsoBmff(reader)
                : null;
        }
        catch (InvalidDataException)
        {
            image = null; // not the container it claims to be: the decoder will say what is wrong
        }
        reader.SkipToEnd();
        return new FileHashes(reader.FileHash(), image, mixed);
    }

    private static readonly byte[] JxlBox = [(byte)'J', (byte)'X', (byte)'L', (byte)' ', 0x0D, 0x0A, 0x87, 0x0A];

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static byte[] Jpeg(Reader reader)
    {
        using var image = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[4];
        reader.Read(header[..2], image); // SOI
        while (true)
        {
            var marker = reader.NextMarker();
            if (marker is 0xD9 or -1)
            {
                image.AppendData([0xFF, 0xD9]);
                return image.GetHashAndReset();
            }
            if (marker is >= 0xD0 and <= 0xD7 or 0x01)
            {
                image.AppendData([0xFF, (byte)marker]);
                continue;
            }
            reader.Read(header[..2], null);
            var length = BinaryPrimitives.ReadUInt16BigEndian(header) - 2;
            if (length < 0)
            {
                throw new InvalidDataException("a JPEG segment shorter than its own length field");
            }
            var metadata = marker is >= 0xE0 and <= 0xEF or 0xFE;
            if (!metadata)
            {
                image.AppendData([0xFF, (byte)marker, header[0], header[1]]);
            }
            reader.Skip(length, metadata ? null : image);
            if (marker == 0xDA)
            {
                reader.EntropyData(image); // up to the next marker that is not a restart
            }
        }
    }

    private static byte[] Png(Reader reader)
    {
        using var image = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[8];
        reader.Read(header, image);
        while (reader.Read(header, null) == 8)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = header[4..8];
            var metadata =
                type.SequenceEqual("tEXt"u8)
                || type.SequenceEqual("zTXt"u8)
                || type.SequenceEqual("iTXt"u8)
                || type.SequenceEqual("eXIf"u8)
                || type.SequenceEqual("tIME"u8);
            var sink = metadata ? null : image;
            sink?.AppendData(header);
            reader.Skip(length + 4L, sink); // data and CRC
            if (type.SequenceEqual("IEND"u8))
            {
                break;
            }
        }
        return image.GetHashAndReset();
    }

    private static byte[] WebP(Reader reader)
    {
        using var image = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[12];
        reader.Read(header, null);
        while (reader.Read(header[..8], null) == 8)
        {
            var type = header[..4];
            var length = BinaryPrimitives.ReadUInt32LittleEndian(header[4..8]);
            var pixels =
                type.SequenceEqual("VP8 "u8)
                || type.SequenceEqual("VP8L"u8)
                || type.SequenceEqual("ALPH"u8)
                || type.SequenceEqual("ANIM"u8)
                || type.SequenceEqual("ANMF"u8);
            var sink = pixels ? image : null;
            sink?.AppendData(header[..8]);
            reader.Skip(length + (length & 1), sink);
        }
        return image.GetHashAndReset();
    }

    /// <summary>HEIF/AVIF: the meta box is read (it is small), then the image items' extents are hashed in file
    /// order.</summary>
    private static byte[]? IsoBmff(Reader reader)
    {
        byte[]? meta = null;
        Span<byte> header = stackalloc byte[16];
        long position = 0;
        while (meta is null && reader.Read(header[..8], null) == 8)
        {
            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = header[4..8];
            var headerLength = 8;
            if (size == 1)
            {
                reader.Read(header[8..16], null);
                size = BinaryPrimitives.ReadInt64BigEndian(header[8..16]);
                headerLength = 16;
            }
            if (size == 0 || size < headerLength)
            {
                return null; // runs to the end of the file, or broken: not a file we can take apart
            }
            if (type.SequenceEqual("meta"u8))
            {
                if (size > 16 * 1024 * 1024)
                {
                    throw new InvalidDataException("a meta box over 16 MB");
                }
                meta = new byte[size - headerLength];
                reader.Read(meta, null);
                position += headerLength;
                break;
            }
            reader.Skip(size - headerLength, null);
            position += size;
        }
        if (meta is null)
        {
            return null;
        }
        var items = IsoItems.Parse(meta);
        if (items is null || items.Count == 0)
        {
            return null;
        }
        using var image = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var item in items.Where(i => i.InMeta is not null))
        {
            image.AppendData(System.Text.Encoding.ASCII.GetBytes(item.Type));
            image.AppendData(item.InMeta!);
        }
        // Hash each extent as it passes: the reader only moves forward, so visit them in file order.
        var extents = items
            .SelectMany(i => i.Extents.Select(e => (i.Type, e.Offset, e.Length)))
            .OrderBy(e => e.Offset)
            .ToList();
        var at = position + meta.Length;
        foreach (var (type, offset, length) in extents)
        {
            if (offset < at)
            {
                return null; // overlapping or inside meta (idat): leave identity to the file hash
            }
            reader.Skip(offset - at, null);
            image.AppendData(System.Text.Encoding.ASCII.GetBytes(type));
            reader.Skip(length, image);
            at = offset + length;
        }
        return image.GetHashAndReset();
    }

    /// <summary>The image items of a HEIF meta box (iinf for types, iloc for where their bytes are).</summary>
    private static class IsoItems
    {
        public sealed record Item(string Type, List<(long Offset, long Length)> Extents, byte[]? InMeta);

        private static readonly HashSet<string> Metadata = new(StringComparer.Ordinal) { "Exif", "mime", "uri " };

        public static List<Item>? Parse(byte[] meta)
        {
            var boxes = Children(meta, 4); // meta is a full box: version and flags first
            if (!boxes.TryGetValue("iinf", out var iinf) || !boxes.TryGetValue("iloc", out var iloc))
            {
                return null;
            }
            var types = Types(meta.AsSpan(iinf.Start, iinf.Length));
            var idat = boxes.TryGetValue("idat", out var d) ? meta.AsSpan(d.Start, d.Length).ToArray() : [];
            var items = new List<Item>();
            foreach (var (id, method, extents) in Locations(meta.AsSpan(iloc.Start, iloc.Length)))
            {
                var type = types.GetValueOrDefault(id, "????");
                if (Metadata.Contains(type))
                {
                    continue;
                }
                if (method == 1)
                {
                    var bytes = extents
                        .SelectMany(e =>
                            e.Offset + e.Length <= idat.Length ? idat[(int)e.Offset..(int)(e.Offset + e.Length)] : []
                        )
                        .ToArray();
                    items.Add(new Item(type, [], bytes));
                }
                else if (method == 0)
                {
                    items.Add(new Item(type, extents, null));
                }
            }
            return items;
        }

        private static Dictionary<string, (int Start, int Length)> Children(byte[] data, int from)
        {
            var boxes = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
            var at = from;
            while (at + 8 <= data.Length)
            {
                var size = (long)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
                var type = System.Text.Encoding.ASCII.GetString(data, at + 4, 4);
                var header = 8;
                if (size == 1 && at + 16 <= data.Length)
                {
                    size = BinaryPrimitives.ReadInt64BigEndian(data.AsSpan(at + 8));
                    header = 16;
                }
                if (size == 0)
                {
                    size = data.Length - at;
                }
                if (size < header || at + size > data.Length)
                {
                    throw new InvalidDataException("a broken box in the HEIF meta box");
                }
                boxes.TryAdd(type, (at + header, (int)size - header));
                at += (int)size;
            }
            return boxes;
        }

        private static Dictionary<uint, string> Types(ReadOnlySpan<byte> iinf)
        {
            var version = iinf[0];
            var at = version == 0 ? 6 : 8;
            var types = new Dictionary<uint, string>();
            while (at + 8 <= iinf.Length)
            {
                var size = (int)BinaryPrimitives.ReadUInt32BigEndian(iinf[at..]);
                if (size < 8 || at + size > iinf.Length)
                {
                    throw new InvalidDataException("a broken infe box");
                }
                var infe = iinf.Slice(at + 8, size - 8); // full box: version, flags, then the fields
                if (System.Text.Encoding.ASCII.GetString(iinf.Slice(at + 4, 4)) == "infe" && infe[0] >= 2)
                {
                    var wide = infe[0] >= 3;
                    var id = wide
                        ? BinaryPrimitives.ReadUInt32BigEndian(infe[4..])
                        : BinaryPrimitives.ReadUInt16BigEndian(infe[4..]);
                    var typeAt = 4 + (wide ? 4 : 2) + 2;
                    types[id] = System.Text.Encoding.ASCII.GetString(infe.Slice(typeAt, 4));
                }
                at += size;
            }
            return types;
        }

        private static List<(uint Id, int Method, List<(long Offset, long Length)> Extents)> Locations(
            ReadOnlySpan<byte> iloc
        )
        {
            var version = iloc[0];
            var sizes = BinaryPrimitives.ReadUInt16BigEndian(iloc[4..]);
            int offsetSize = sizes >> 12,
                lengthSize = (sizes >> 8) & 0xF,
                baseSize = (sizes >> 4) & 0xF;
            var indexSize = version is 1 or 2 ? sizes & 0xF : 0;
            var at = 6;
            var count = version < 2 ? Number(iloc, ref at, 2) : Number(iloc, ref at, 4);
            var items = new List<(uint, int, List<(long, long)>)>();
            for (var i = 0L; i < count; i++)
            {
                var id = (uint)(version < 2 ? Number(iloc, ref at, 2) : Number(iloc, ref at, 4));
                var method = version is 1 or 2 ? (int)(Number(iloc, ref at, 2) & 0xF) : 0;
                at += 2; // data_reference_index
                var baseOffset = Number(iloc, ref at, baseSize);
                var extentCount = Number(iloc, ref at, 2);
                var extents = new List<(long, long)>();
                for (var e = 0L; e < extentCount; e++)
                {
                    Number(iloc, ref at, indexSize);
                    var offset = Number(iloc, ref at, offsetSize);
                    var length = Number(iloc, ref at, lengthSize);
                    extents.Add((baseOffset + offset, length));
                }
                items.Add((id, method, extents));
            }
            return items;
        }

        private static long Number(ReadOnlySpan<byte> data, ref int at, int size)
        {
            if (at + size > data.Length)
            {
                throw new InvalidDataException("the iloc box ends early");
            }
            long value = 0;
            for (var i = 0; i < size; i++)
            {
                value = (value << 8) | data[at + i];
            }
            at += size;
            return value;
        }
    }

    /// <summary>A forward-only reader that feeds every byte it passes to the file hash, and chosen bytes to
    /// another.</summary>
    private sealed class Reader(Stream stream) : IDisposable
    {
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        private readonly IncrementalHash _file = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private int _start;
        private int _end;

        public int Peek(Span<byte> into)
        {
            Fill(into.Length);
            var n = Math.Min(into.Length, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(into);
            return n;
        }

        public int Read(Span<byte> into, IncrementalHash? sink)
        {
            var total = 0;
            while (total < into.Length && Fill(1))
            {
                var n = Math.Min(into.Length - total, _end - _start);
                _buffer.AsSpan(_start, n).CopyTo(into[total..]);
                Consume(n, sink);
                total += n;
            }
            return total;
        }

        public void Skip(long count, IncrementalHash? sink)
        {
            while (count > 0)
            {
                if (!Fill(1))
                {
                    throw new InvalidDataException("the file ends inside a segment");
                }
                var n = (int)Math.Min(count, _end - _start);
                Consume(n, sink);
                count -= n;
            }
        }

        /// <summary>The next JPEG marker (fill bytes skipped), or -1 at the end of the file.</summary>
        public int NextMarker()
        {
            Span<byte> one = stackalloc byte[1];
            if (Read(one, null) == 0)
            {
                return -1;
            }
            if (one[0] != 0xFF)
            {
                throw new InvalidDataException("a JPEG segment does not start with a marker");
            }
            do
            {
                if (Read(one, null) == 0)
                {
                    return -1;
                }
            } while (one[0] == 0xFF);
            return one[0];
        }

        /// <summary>Entropy-coded data after a scan header, up to (not including) the next real marker.</summary>
        public void EntropyData(IncrementalHash sink)
        {
            while (Fill(2))
            {
                var window = _buffer.AsSpan(_start, _end - _start);
                var ff = window[..^1].IndexOf((byte)0xFF);
                if (ff < 0)
                {
                    Consume(window.Length - 1, sink); // keep the last byte: it may be 0xFF
                    continue;
                }
                var next = window[ff + 1];
                if (next == 0x00 || next is >= 0xD0 and <= 0xD7)
                {
                    Consume(ff + 2, sink); // stuffed 0xFF or a restart marker: still the scan
                    continue;
                }
                Consume(ff, sink); // a marker: the segment loop reads it
                return;
            }
            Consume(_end - _start, sink);
        }

        public void SkipToEnd()
        {
            while (Fill(1))
            {
                Consume(_end - _start, null);
            }
        }

        public byte[] FileHash() => _file.GetHashAndReset();

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _file.Dispose();
        }

        private void Consume(int count, IncrementalHash? sink)
        {
            var bytes = _buffer.AsSpan(_start, count);
            _file.AppendData(bytes);
            sink?.AppendData(bytes);
            _start += count;
        }

        /// <summary>Makes at least <paramref name="wanted"/> bytes available if the file has them.</summary>
        private bool Fill(int wanted)
        {
            if (_end - _start >= wanted)
            {
                return true;
            }
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            int read;
            while (_end < wanted && (read = stream.Read(_buffer, _end, BufferSize - _end)) > 0)
            {
                _end += read;
            }
            return _end - _start >= wanted;
        }
    }
}
