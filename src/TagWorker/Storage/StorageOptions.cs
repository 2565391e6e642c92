using System.ComponentModel.DataAnnotations;

namespace TagWorker.Storage;

/// <summary>Where the worker keeps its database, thumbnails, backups and logs.</summary>
public sealed class StorageOptions
{
    public const string Section = "TagWorker:Data";

    [Required(AllowEmptyStrings = false)]
    public string Dir { get; set; } = "data";

    /// <summary>Milliseconds a connection waits for another writer before failing.</summary>
    [Range(100, 600_000)]
    public int BusyTimeoutMs { get; set; } = 10_000;

    /// <summary>Hours between housekeeping rounds (database statistics and WAL, leftovers, old backups); 0:
    /// none.</summary>
    [Range(0, 24 * 30)]
    public double HousekeepingHours { get; set; } = 6;

    public string DatabasePath => Path.Combine(Dir, "tagworker.db");
}
