using Microsoft.Extensions.Options;

namespace TagWorker.WriteBack;

/// <summary>While serving: repairs interrupted writes at start, then writes approved changes when woken or every
/// ApplyEverySeconds.</summary>
public sealed class WriteBackService(
    MetadataWriter writer,
    WriteSignal signal,
    WriteJournal journal,
    IOptions<WriteBackOptions> options,
    ILogger<WriteBackService> logger
) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (options.Value.Mode == WriteMode.Sidecar && journal.EmbeddedLeftBehind() is > 0 and var left)
        {
            logger.LogWarning(
                "{Photos} photos still hold names TagWorker wrote into them in Embedded mode; Sidecar mode does not take them out "
                    + "(undo those writes on the Write-back page to restore the photos)",
                left
            );
        }
        var every = options.Value.ApplyEverySeconds;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var report = await writer.ApplyAsync(dryRun: false, stoppingToken);
                if (report.Files.Count > 0)
                {
                    logger.LogInformation(
                        "Wrote metadata: {Written} files written, {Unchanged} unchanged, {Failed} failed",
                        report.Written,
                        report.Unchanged,
                        report.Failed
                    );
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Writing metadata failed; trying again later");
            }
            await signal.WaitAsync(every > 0 ? TimeSpan.FromSeconds(every) : Timeout.InfiniteTimeSpan, stoppingToken);
        }
    }
}
