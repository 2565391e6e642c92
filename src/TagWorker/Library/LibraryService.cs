using Microsoft.Extensions.Options;

namespace TagWorker.Library;

/// <summary>
/// Keeps the database in step with the library while the worker runs: a full pass at start and
/// every ScanIntervalMinutes, and prompt scoped passes for the paths the watcher names. A failing
/// pass is logged and the loop goes on.
/// </summary>
public sealed class LibraryService(
    Reconciler reconciler,
    LibraryWatcher watcher,
    ScanState state,
    LibraryChanges changes,
    IOptions<LibraryOptions> options,
    TimeProvider clock,
    ILogger<LibraryService> logger
) : BackgroundService
{
    private readonly LibraryOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (_options.Watch)
        {
            watcher.Start();
        }
        state.WatcherActive = watcher.Active;
        var interval = TimeSpan.FromMinutes(_options.ScanIntervalMinutes);
        IReadOnlyCollection<string>? scope = null; // null: full pass
        while (!stoppingToken.IsCancellationRequested)
        {
            await PassAsync(scope, stoppingToken);
            if (scope is null)
            {
                state.NextFullScanAt = clock.GetUtcNow() + interval;
            }
            scope = await NextScopeAsync(state.NextFullScanAt!.Value, stoppingToken);
        }
    }

    private async Task<IReadOnlyCollection<string>?> NextScopeAsync(
        DateTimeOffset nextFull,
        CancellationToken stoppingToken
    )
    {
        var untilFull = nextFull - clock.GetUtcNow();
        if (untilFull <= TimeSpan.Zero)
        {
            return null;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(untilFull);
        try
        {
            await watcher.WaitForHintsAsync(TimeSpan.FromMilliseconds(_options.DebounceMs), timeout.Token);
            return watcher.Drain();
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task PassAsync(IReadOnlyCollection<string>? scope, CancellationToken stoppingToken)
    {
        state.Scanning = true;
        try
        {
            var result = await reconciler.RunAsync(scope, stoppingToken);
            state.Finished(result, clock.GetUtcNow());
            if (result.New + result.Changed + result.Moved + result.MetadataChanged > 0)
            {
                changes.Raise();
            }
            if (result.DeferredPaths.Count > 0)
            {
                RetryLater(result.DeferredPaths, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("Reconciliation interrupted by shutdown; the next start finishes it");
        }
        catch (Exception e)
        {
            logger.LogError(e, "Reconciliation pass failed; the worker goes on");
        }
        finally
        {
            state.Scanning = false;
        }
    }

    private void RetryLater(IReadOnlyList<string> paths, CancellationToken stoppingToken) =>
        _ = Task.Delay(TimeSpan.FromSeconds(_options.SettleSeconds + 1), stoppingToken)
            .ContinueWith(
                _ => watcher.Hint(paths),
                stoppingToken,
                TaskContinuationOptions.OnlyOnRanToCompletion,
                TaskScheduler.Default
            );
}
