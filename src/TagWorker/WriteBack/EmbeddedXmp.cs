using MetadataExtractor.Formats.Iptc;
using MetadataExtractor.Formats.Jpeg;
using Microsoft.Extensions.Options;
using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary>
/// The metadata inside a photo: its XMP packet (a JPEG's straight from its APP1 segment, through
/// MetadataExtractor; other formats through exiftool) and its IPTC keywords; written by exiftool.
/// </summary>
public sealed class EmbeddedXmp(ExifTool exifTool, IOptions<StorageOptions> storage)
{
    private static ReadOnlySpan<byte> XmpSignature => "http://ns.adobe.com/xap/1.0/\0"u8;

    private static ReadOnlySpan<byte> ExtendedXmpSignature => "http://ns.adobe.com/xmp/extension/\0"u8;

    /// <summary>The photo's XMP packet (null when it has none); <paramref name="bytes"/> are its contents when already
    /// read.</summary>
    public byte[]? Read(string path, byte[]? bytes = null)
    {
        if (!File.Exists(path))
        {
            throw new WriteBackException("the photo is no longer there");
        }
        if (TryReadJpegXmp(bytes ?? File.ReadAllBytes(path), out var packet))
        {
            return packet;
        }
        var output = exifTool.Run("-xmp", "-b", path);
        if (output.Stderr.Contains("Error", StringComparison.Ordinal))
        {
            throw new WriteBackException($"exiftool cannot read {Path.GetFileName(path)}: {output.Stderr.Trim()}");
        }
        return output.Stdout.Length == 0 ? null : System.Text.Encoding.UTF8.GetBytes(output.Stdout);
    }

    /// <summary>The IPTC IIM keywords, and whether the photo has an IPTC record at all (then they are kept in
    /// step).</summary>
    public (bool HasIptc, IReadOnlyList<string> Keywords) ReadIptc(string path)
    {
        try
        {
            var iptc = MetadataExtractor
                .ImageMetadataReader.ReadMetadata(path)
                .OfType<IptcDirectory>()
                .FirstOrDefault();
            return iptc is null
                ? (false, [])
                : (true, MetadataExtractor.DirectoryExtensions.GetStringArray(iptc, IptcDirectory.TagKeywords) ?? []);
        }
        catch (Exception e) when (e is MetadataExtractor.ImageProcessingException or IOException)
        {
            return (false, []);
        }
    }

    /// <summary>
    /// Writes <paramref name="target"/> with <paramref name="packet"/> as its XMP into <paramref name="temp"/>, a new
    /// file; IPTC keywords, when given, are changed in the same command and the IPTC digest recomputed
    /// (the Metadata Working Group's rule, so MWG readers take the keywords from either place alike).
    /// </summary>
    public void Write(
        string target,
        string temp,
        byte[] packet,
        IReadOnlyList<string> removeKeywords,
        IReadOnlyList<string> addKeywords
    )
    {
        var xmpFile = Path.Combine(storage.Value.Dir, "tmp", $"{Guid.NewGuid():N}.xmp");
        string? link = null;
        Directory.CreateDirectory(Path.GetDirectoryName(xmpFile)!);
        try
        {
            File.WriteAllBytes(xmpFile, packet);
            var args = new List<string> { $"-xmp<={Literal(Path.GetFullPath(xmpFile))}" };
            if (removeKeywords.Count + addKeywords.Count > 0)
            {
                args.AddRange(["-charset", "iptc=UTF8"]);
                args.AddRange(removeKeywords.Select(k => $"-IPTC:Keywords-={k}"));
                args.AddRange(addKeywords.Select(k => $"-IPTC:Keywords+={k}"));
                args.Add("-Photoshop:IPTCDigest=new");
            }
            var output = exifTool.Run([.. args, "-o", Literal(OutputPath(temp, ref link)), target]);
            if (!File.Exists(temp))
            {
                throw new WriteBackException($"exiftool did not write the photo: {output.Stderr.Trim()}");
            }
            using var stream = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            File.Delete(xmpFile);
            if (link is not null)
            {
                File.Delete(link);
            }
        }
    }

    /// <summary>
    /// exiftool reads the file names after "-o" and "&lt;=" as formats (%d directory, %f name, %e extension, %c copy
    /// number; 12.57 has no escape for '%'): a photo in "100%d/" would be written somewhere else entirely, a copy per
    /// apply. So a folder with a '%' is reached through a link (in the data folder) with a plain name; the temporary
    /// file's own name never has one.
    /// </summary>
    private string OutputPath(string temp, ref string? link)
    {
        if (!temp.Contains('%', StringComparison.Ordinal))
        {
            return temp;
        }
        link = Path.Combine(storage.Value.Dir, "tmp", $"dir-{Guid.NewGuid():N}");
        Directory.CreateSymbolicLink(link, Path.GetDirectoryName(temp)!);
        return Path.Combine(link, Path.GetFileName(temp));
    }

    private static string Literal(string path) =>
        path.Contains('%', StringComparison.Ordinal)
            ? throw new WriteBackException(
                $"the data folder's path has a '%', which exiftool would read as a format: {path}"
            )
            : path;

    /// <summary>
    /// The XMP packet of a JPEG from its APP1 segment, without an exiftool round trip. False when the file
    /// is not a JPEG or splits its XMP into extended segments: then exiftool reads it.
    /// </summary>
    private static bool TryReadJpegXmp(byte[] file, out byte[]? packet)
    {
        packet = null;
        if (file.Length < 4 || file[0] != 0xFF || file[1] != 0xD8)
        {
            return false;
        }
        try
        {
            using var stream = new MemoryStream(file, writable: false);
            foreach (
                var segment in JpegSegmentReader.ReadSegments(
                    new MetadataExtractor.IO.SequentialStreamReader(stream),
                    [JpegSegmentType.App1]
                )
            )
            {
                var body = segment.Bytes.AsSpan();
                if (body.StartsWith(ExtendedXmpSignature))
                {
                    return false;
                }
                if (body.StartsWith(XmpSignature) && packet is null)
                {
                    packet = body[XmpSignature.Length..].ToArray();
                }
            }
            return true;
        }
        catch (Exception e) when (e is JpegProcessingException or IOException)
        {
            return false;
        }
    }
}
