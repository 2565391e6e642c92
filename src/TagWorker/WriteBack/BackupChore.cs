using Microsoft.Extensions.Options;
using TagWorker.Hosting;
using TagWorker.Storage;

namespace TagWorker.WriteBack;

/// <summary>
/// Backups of verified writes older than <see cref="WriteBackOptions.BackupRetentionDays"/> go (the journal keeps the
/// row), so do the copies of malformed files kept for the owner, and the day folders left empty.
/// </summary>
public sealed class BackupChore(
    WriteJournal journal,
    IOptions<StorageOptions> storage,
    IOptions<WriteBackOptions> options,
    TimeProvider clock
) : IHousekeepingTask
{
    public string Name => "backups";

    public string? Run(CancellationToken cancellationToken)
    {
        var pruned = journal.PruneBackups();
        var backups = Path.Combine(storage.Value.Dir, "backups");
        if (!Directory.Exists(backups))
        {
            return pruned > 0 ? $"{pruned} old backups deleted" : null;
        }
        var cutoff = clock.GetUtcNow().UtcDateTime.AddDays(-options.Value.BackupRetentionDays);
        var copies = 0;
        var malformed = Path.Combine(backups, "malformed");
        if (Directory.Exists(malformed))
        {
            foreach (
                var copy in Directory
                    .EnumerateFiles(malformed)
                    .Where(f => File.GetLastWriteTimeUtc(f) < cutoff)
                    .ToArray()
            )
            {
                File.Delete(copy);
                copies++;
            }
        }
        var folders = 0;
        foreach (
            var folder in Directory
                .EnumerateDirectories(backups)
                .Where(d => !Directory.EnumerateFileSystemEntries(d).Any())
                .ToArray()
        )
        {
            Directory.Delete(folder);
            folders++;
        }
        return pruned + copies + folders == 0
            ? null
            : $"{pruned} old backups, {copies} old copies of malformed files and {folders} empty folders deleted";
    }
}
