namespace TagWorker.Tests.Support;

/// <summary>A fresh folder under /tmp, removed (permissions restored first) when the test ends.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string? name = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"tw-{name ?? "test"}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes a file (creating its folders), dated an hour ago so it counts as settled.</summary>
    public string Write(string relative, string content = "photo", DateTime? mtime = null)
    {
        var full = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        File.SetLastWriteTimeUtc(full, mtime ?? DateTime.UtcNow.AddHours(-1));
        return full;
    }

    public void Dispose()
    {
        try
        {
            Shell.Run("chmod", "-R", "u+rwx", Path);
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
