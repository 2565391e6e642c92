namespace TagWorker.Hosting;

/// <summary>
/// The data folder's guards: refuse one the worker cannot write, and let only one worker at a time
/// change it (two would analyse every photo twice, roll back each other's writes in crash recovery,
/// and forget each other's tags). Read-only commands (status) take no lock.
/// </summary>
public static class DataDirectory
{
    private const string LockName = "tagworker.lock";
    private const string HolderName = "tagworker.lock.holder";
    private const string LibraryName = "library-root";

    /// <summary>The library this data folder belongs to, as serve and scan last saw it.</summary>
    public static void RememberLibrary(string dir, string libraryRoot) =>
        File.WriteAllText(Path.Combine(dir, LibraryName), Path.GetFullPath(libraryRoot));

    /// <summary>
    /// For commands that act on files the data folder knows (apply, undo): the library serve and scan
    /// used with it, unless the command line or the environment names one.
    /// </summary>
    public static void UseRememberedLibrary(CommandLine cli, string dataDir)
    {
        var file = Path.Combine(dataDir, LibraryName);
        if (
            !cli.Overrides.ContainsKey("TagWorker:Library:Root")
            && Environment.GetEnvironmentVariable("TagWorker__Library__Root") is null
            && File.Exists(file)
        )
        {
            cli.Overrides["TagWorker:Library:Root"] = File.ReadAllText(file).Trim();
        }
    }

    /// <summary>
    /// Takes the data folder for this process (an exclusive advisory lock, released when the process
    /// ends however it ends); refuses with a message naming the process that holds it.
    /// </summary>
    public static IDisposable Lock(string dir, string command)
    {
        Directory.CreateDirectory(dir);
        FileStream held;
        try
        {
            held = new FileStream(
                Path.Combine(dir, LockName),
                FileMode.OpenOrCreate,
                FileAccess.ReadWrite,
                FileShare.None
            );
        }
        catch (IOException)
        {
            var holder = File.Exists(Path.Combine(dir, HolderName))
                ? File.ReadAllText(Path.Combine(dir, HolderName)).Trim()
                : "another TagWorker";
            throw new UsageException(
                $"The data folder {dir} is in use by {holder}. Stop it first, or give this command another --data folder."
            );
        }
        File.WriteAllText(
            Path.Combine(dir, HolderName),
            $"`tagworker {command}` (process {Environment.ProcessId}, since {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC)"
        );
        return held;
    }

    public static void EnsureWritable(string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
            if (
                !OperatingSystem.IsWindows()
                && (
                    File.GetUnixFileMode(dir)
                    & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.OtherExecute)
                ) != 0
            )
            {
                // The database, the token, thumbnails of every face and backups of photos: nobody else's on a shared
                // host.
                try
                {
                    File.SetUnixFileMode(
                        dir,
                        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    );
                }
                catch (UnauthorizedAccessException)
                {
                    // Someone else's folder this user may write to: left as its owner set it.
                }
            }
            var probe = Path.Combine(dir, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException(
                $"The data folder {dir} is not writable ({e.Message}). Point --data or TagWorker__Data__Dir at a folder this user can write."
            );
        }
    }
}
