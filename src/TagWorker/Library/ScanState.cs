namespace TagWorker.Library;

/// <summary>What the library worker is doing, for <c>/api/status</c>. Written by one service, read by requests.</summary>
public sealed class ScanState : IDisposable
{
    private ScanResult? _lastResult;

    public DateTimeOffset? LastScanAt { get; private set; }
    public ScanResult? LastResult => Volatile.Read(ref _lastResult);
    public DateTimeOffset? NextFullScanAt { get; set; }
    public bool WatcherActive { get; set; }
    public bool Scanning { get; set; }

    private readonly SemaphoreSlim _changed = new(0, int.MaxValue);

    public void Finished(ScanResult result, DateTimeOffset at)
    {
        LastScanAt = at;
        Volatile.Write(ref _lastResult, result);
        if (result.New + result.Changed + result.Moved + result.MetadataChanged > 0)
        {
            _changed.Release();
        }
    }

    public void Dispose() => _changed.Dispose();

    /// <summary>Waits until a pass found new or changed photos, or the timeout passes.</summary>
    public async Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _changed.WaitAsync(timeout, cancellationToken);
        while (_changed.CurrentCount > 0)
        {
            _changed.Wait(0, CancellationToken.None);
        }
    }
}
