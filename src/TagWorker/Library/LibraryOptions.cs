using System.ComponentModel.DataAnnotations;

namespace TagWorker.Library;

/// <summary>The photo library: where it is, what counts as a photo, how often to reconcile.</summary>
public sealed class LibraryOptions
{
    public const string Section = "TagWorker:Library";

    [Required(AllowEmptyStrings = false)]
    public string Root { get; set; } = "library";

    /// <summary>File name endings that count as photos, comma separated, case-insensitive.</summary>
    public string Extensions { get; set; } = "jpg,jpeg,png,webp,heic,heif,avif,jxl,tif,tiff";

    /// <summary>
    /// File and folder names never looked at, comma separated; <c>*</c> and <c>?</c> are wildcards.
    /// Names starting with a dot are always skipped while <see cref="SkipHidden"/> is on.
    /// </summary>
    public string Exclude { get; set; } = "@eaDir,#recycle,#snapshot,.stversions,SYNOFILE_THUMB*,lost+found";

    public bool SkipHidden { get; set; } = true;

    /// <summary>FileSystemWatcher hints; off for shares where inotify does not work anyway.</summary>
    public bool Watch { get; set; } = true;

    /// <summary>Minutes between full reconciliation passes (the truth; the watcher only hints).</summary>
    [Range(1, 7 * 24 * 60)]
    public int ScanIntervalMinutes { get; set; } = 60;

    /// <summary>Milliseconds of quiet after a watcher event before its paths are looked at.</summary>
    [Range(0, 600_000)]
    public int DebounceMs { get; set; } = 2000;

    /// <summary>A file written to less than this many seconds ago is left for a later look.</summary>
    [Range(0, 3600)]
    public int SettleSeconds { get; set; } = 2;

    /// <summary>Days a photo whose files all vanished keeps its data (faces, names) before it is purged.</summary>
    [Range(0, 3650)]
    public int RemovedGraceDays { get; set; } = 30;

    /// <summary>
    /// A full pass that finds more than this share (percent) of the present files gone, and more than
    /// <see cref="HoldRemovalsOverFiles"/>, holds the removal back: a moved or unmounted library looks
    /// like that. It goes ahead when the owner confirms, or after <see cref="HoldRemovalsPasses"/> passes see the same.
    /// </summary>
    [Range(0, 100)]
    public int HoldRemovalsOverPercent { get; set; } = 10;

    [Range(0, 1_000_000)]
    public int HoldRemovalsOverFiles { get; set; } = 50;

    [Range(1, 1000)]
    public int HoldRemovalsPasses { get; set; } = 3;

    /// <summary>Threads hashing new or changed files; 0 means one per core.</summary>
    [Range(0, 64)]
    public int HashThreads { get; set; }
}
