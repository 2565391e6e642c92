using Microsoft.Extensions.Options;
using TagWorker.Hosting;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.Pipeline;

/// <summary>
/// Runs the analysis pipeline while the worker serves. When nothing has been pending for
/// <see cref="PipelineOptions.ReleaseModelsAfterMinutes"/>, the pipeline ends, the models are
/// released and memory is given back; the next pending photo starts it (and loads them) again.
/// A crash of the pipeline is logged and it starts again.
/// </summary>
public sealed class PipelineService(
    Lazy<AnalysisPipeline> pipeline,
    Lazy<PhotoAnalyzer> analyzer,
    Database database,
    LibraryChanges changes,
    PipelineStats stats,
    IOptions<PipelineOptions> options,
    ILogger<PipelineService> logger
) : BackgroundService
{
    private readonly PipelineOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await WaitForPendingAsync(stoppingToken);
                // Lazy: loading the models must not hold up the web host's start.
                await pipeline.Value.RunAsync(TimeSpan.FromMinutes(_options.ReleaseModelsAfterMinutes), stoppingToken);
                stats.Broken = null;
                if (analyzer.Value.Release())
                {
                    // The workers' threads finish a moment after their tasks: collect once they are gone.
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
                    Database.ReleaseIdleConnections();
                    ProcessMemory.GiveBack(
                        idleLibraries:
                        [
                            "libonnxruntime",
                            "libvips",
                            "libheif",
                            "libde265",
                            "libx265",
                            "libaom",
                            "libdav1d",
                        ]
                    );
                    logger.LogInformation(
                        "Nothing to analyse for {Minutes} min: models released, resident memory {Resident:F0} MB (managed heap {Heap:F0} MB)",
                        _options.ReleaseModelsAfterMinutes,
                        ProcessMemory.ResidentMb(),
                        GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0
                    );
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Inference.OnnxException e)
            {
                // A missing or unreadable model: said once in one line (not every 30 s with a stack trace), and
                // /healthz turns unhealthy.
                if (stats.Broken != e.Message)
                {
                    logger.LogError(
                        "Cannot analyse photos: {Reason}. Put the models there (models/fetch; in the container, /models) "
                            + "and TagWorker loads them within 30 s; the review site keeps working meanwhile",
                        e.Message
                    );
                }
                stats.Broken = e.Message;
                await Task.Delay(TimeSpan.FromSeconds(30), stoppingToken);
            }
            catch (Exception e)
            {
                logger.LogError(e, "The analysis pipeline stopped; starting it again in 30 s");
                await Task.Delay(TimeSpan.FromSeconds(30), stoppingToken);
            }
        }
    }

    private async Task WaitForPendingAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            using (var connection = database.Open())
            {
                if (
                    PhotoStore.NextPending(connection, 0, 1).Count > 0
                    || PhotoStore.MetadataChanged(connection, 1).Count > 0
                )
                {
                    return;
                }
            }
            await changes.WaitAsync(TimeSpan.FromSeconds(_options.IdlePollSeconds), stoppingToken);
        }
    }
}
