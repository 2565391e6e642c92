using System.ComponentModel.DataAnnotations;

namespace TagWorker.WriteBack;

public enum WriteMode
{
    Sidecar,
    Embedded,
}

/// <summary>How approved names and labels are written into the photos' metadata.</summary>
public sealed class WriteBackOptions
{
    public const string Section = "TagWorker:WriteBack";

    /// <summary>Sidecar (photo.jpg.xmp beside the photo, the default) or Embedded (into the file, through
    /// exiftool).</summary>
    public WriteMode Mode { get; set; } = WriteMode.Sidecar;

    /// <summary>When set, sidecars go here (same relative paths) instead of beside the photos: for a read-only
    /// library.</summary>
    public string SidecarMirror { get; set; } = "";

    [Required(AllowEmptyStrings = false)]
    public string PeoplePrefix { get; set; } = "People";

    [Required(AllowEmptyStrings = false)]
    public string ObjectsPrefix { get; set; } = "Objects";

    /// <summary>Object labels never written as keywords (comma separated): people are named instead.</summary>
    public string SkipObjects { get; set; } = "person";

    /// <summary>
    /// Embedded writes: keep the photo's modification time (true) or let it change (the default: Immich's library
    /// scan and most other tools re-read a photo only when its mtime changes).
    /// </summary>
    public bool KeepMtime { get; set; }

    /// <summary>Days a backup is kept after its write was verified.</summary>
    [Range(0, 3650)]
    public int BackupRetentionDays { get; set; } = 30;

    /// <summary>While serving: write approved changes automatically (seconds between rounds; 0 = only on
    /// request).</summary>
    [Range(0, 86_400)]
    public int ApplyEverySeconds { get; set; } = 30;

    /// <summary>Minutes between looks at the files TagWorker wrote, for another program's removals and reverts (also at
    /// the first apply).</summary>
    [Range(1, 10_080)]
    public int AuditEveryMinutes { get; set; } = 10;

    /// <summary>Seconds one exiftool command may take before it is stopped (and the write fails with that
    /// reason).</summary>
    [Range(1, 3600)]
    public int ExifToolTimeoutSeconds { get; set; } = 120;

    [Required(AllowEmptyStrings = false)]
    public string ExifTool { get; set; } = "exiftool";

    public IReadOnlyList<string> SkippedObjects =>
        SkipObjects.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
