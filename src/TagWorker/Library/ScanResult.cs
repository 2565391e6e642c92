using System.Text.Json.Serialization;

namespace TagWorker.Library;

/// <summary>What one reconciliation pass found. Serialised with snake_case names for <c>scan --json</c>.</summary>
public sealed record ScanResult
{
    public int FilesSeen { get; init; }
    public int New { get; init; }
    public int Changed { get; init; }
    public int Moved { get; init; }
    public int Removed { get; init; }
    public int Unchanged { get; init; }

    /// <summary>Files another program rewrote without changing the image (counted in Unchanged too): same photo, header
    /// read again.</summary>
    public int MetadataChanged { get; init; }
    public int Failed { get; init; }

    /// <summary>Files gone but not marked removed: too many at once (a moved or unmounted library?); see
    /// removal_holds.</summary>
    public int HeldBack { get; init; }

    /// <summary>Files left for a later look because they were still being written.</summary>
    public int Deferred { get; init; }
    public double Seconds { get; init; }

    /// <summary>Why the pass did not complete (for example, the library root is missing); null when it did.</summary>
    public string? Error { get; init; }

    [JsonIgnore]
    public IReadOnlyList<string> DeferredPaths { get; init; } = [];
}
