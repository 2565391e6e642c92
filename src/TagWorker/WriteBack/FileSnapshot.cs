using System.Security.Cryptography;

namespace TagWorker.WriteBack;

/// <summary>A file as it was when read: to know whether someone else changed it before it is replaced.</summary>
internal sealed record FileSnapshot(string Path, bool Exists, byte[]? Bytes, string? Hash, long Size, DateTime MtimeUtc)
{
    public static FileSnapshot Take(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return new FileSnapshot(path, false, null, null, 0, default);
        }
        var bytes = File.ReadAllBytes(path);
        return new FileSnapshot(path, true, bytes, Convert.ToHexString(SHA256.HashData(bytes)), info.Length, info.LastWriteTimeUtc);
    }

    public bool StillSame(string path)
    {
        var info = new FileInfo(path);
        return Exists
            ? info.Exists && info.Length == Size && info.LastWriteTimeUtc == MtimeUtc && HashOf(path) == Hash
            : !info.Exists;
    }

    public static void WriteDurably(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    public static string? HashOf(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}
