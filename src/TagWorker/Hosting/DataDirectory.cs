namespace TagWorker.Hosting;

/// <summary>Refuses to start on a data folder the worker cannot write, with a message that says so.</summary>
public static class DataDirectory
{
    public static void EnsureWritable(string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"The data folder {dir} is not writable ({e.Message}). Point --data or TagWorker__Data__Dir at a folder this user can write.");
        }
    }
}
