using Microsoft.Extensions.Options;
using TagWorker.Hosting;

namespace TagWorker.Storage;

/// <summary>
/// SQLite's own advice for long-lived connections (<c>PRAGMA optimize</c>: statistics for the query planner), and a
/// WAL checkpoint that also truncates the log, so a write-heavy import does not leave a large -wal file behind.
/// </summary>
public sealed class DatabaseChore(Database database) : IHousekeepingTask
{
    public string Name => "database";

    public string? Run(CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        connection.Execute("PRAGMA optimize");
        var walPages = connection.Rows("PRAGMA wal_checkpoint(TRUNCATE)", r => r.GetInt64(1), null).FirstOrDefault();
        return walPages > 0 ? $"optimised, {walPages} WAL pages checkpointed" : null;
    }
}

/// <summary>
/// Removes what a crash left in <c>data/tmp</c> (XMP packets and folder links of embedded writes; each write removes
/// its own): anything older than a day, which no running write can still be using.
/// </summary>
public sealed class TempFolderChore(IOptions<StorageOptions> storage, TimeProvider clock) : IHousekeepingTask
{
    public static readonly TimeSpan Age = TimeSpan.FromDays(1);

    public string Name => "temporary files";

    public string? Run(CancellationToken cancellationToken)
    {
        var folder = Path.Combine(storage.Value.Dir, "tmp");
        if (!Directory.Exists(folder))
        {
            return null;
        }
        var cutoff = clock.GetUtcNow().UtcDateTime - Age;
        var removed = 0;
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (entry.LastWriteTimeUtc >= cutoff)
            {
                continue;
            }
            if (entry is DirectoryInfo { LinkTarget: null } directory)
            {
                directory.Delete(recursive: true);
            }
            else
            {
                File.Delete(entry.FullName); // a file, or a link (the link goes, never what it points to)
            }
            removed++;
        }
        return removed > 0 ? $"{removed} left over from interrupted writes removed" : null;
    }
}
