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

    public string DatabasePath => Path.Combine(Dir, "tagworker.db");
}
