namespace TagWorker.Library;

/// <summary>What the library worker is doing, for <c>/api/status</c>. Written by one service, read by
/// requests.</summary>
public sealed class ScanState
{
    private ScanResult? _lastResult;

    public DateTimeOffset? LastScanAt { get; private set; }
    public ScanResult? LastResult => Volatile.Read(ref _lastResult);
    public DateTimeOffset? NextFullScanAt { get; set; }
    public bool WatcherActive { get; set; }
    public bool Scanning { get; set; }

    public void Finished(ScanResult result, DateTimeOffset at)
    {
        LastScanAt = at;
        Volatile.Write(ref _lastResult, result);
    }
}
