using Microsoft.Extensions.Options;
using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary>XMP inside the photo: a JPEG's packet read straight from its APP1 segment (exiftool for other formats), written by exiftool.</summary>
public sealed class EmbeddedXmp(ExifTool exifTool, IOptions<StorageOptions> storage)
{
    private string ReadText(string path)
    {
        var output = exifTool.Run("-xmp", "-b", path);
        if (output.Stderr.Contains("Error", StringComparison.Ordinal))
        {
            throw new WriteBackException($"exiftool cannot read {Path.GetFileName(path)}: {output.Stderr.Trim()}");
        }
        return output.Stdout;
    }

    /// <summary>The photo's XMP packet (null when it has none); <paramref name="bytes"/> are its contents when already read.</summary>
    public byte[]? Read(string path, byte[]? bytes = null)
    {
        if (!File.Exists(path))
        {
            throw new WriteBackException("the photo is no longer there");
        }
        if (ImageData.TryReadJpegXmp(bytes ?? File.ReadAllBytes(path), out var packet))
        {
            return packet;
        }
        var text = ReadText(path);
        return text.Length == 0 ? null : System.Text.Encoding.UTF8.GetBytes(text);
    }

    /// <summary>Writes <paramref name="target"/> with <paramref name="packet"/> as its XMP into <paramref name="temp"/>, a new file.</summary>
    public void Write(string target, string temp, byte[] packet)
    {
        var xmpFile = Path.Combine(storage.Value.Dir, "tmp", $"{Guid.NewGuid():N}.xmp");
        Directory.CreateDirectory(Path.GetDirectoryName(xmpFile)!);
        try
        {
            File.WriteAllBytes(xmpFile, packet);
            var output = exifTool.Run($"-xmp<={Path.GetFullPath(xmpFile)}", "-o", temp, target);
            if (!File.Exists(temp))
            {
                throw new WriteBackException($"exiftool did not write the photo: {output.Stderr.Trim()}");
            }
            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite))
            {
                stream.Flush(flushToDisk: true);
            }
        }
        finally
        {
            File.Delete(xmpFile);
        }
    }
}
