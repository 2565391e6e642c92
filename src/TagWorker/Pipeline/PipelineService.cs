using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TagWorker.Pipeline;

/// <summary>Runs the analysis pipeline while the worker serves; a crash of the pipeline is logged and it starts again.</summary>
public sealed class PipelineService(IServiceProvider services, ILogger<PipelineService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Resolved here, not injected: loading the models must not hold up the web host's start.
                var pipeline = (AnalysisPipeline)services.GetService(typeof(AnalysisPipeline))!;
                await pipeline.RunAsync(untilIdle: false, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "The analysis pipeline stopped; starting it again in 30 s");
                await Task.Delay(TimeSpan.FromSeconds(30), stoppingToken);
            }
        }
    }
}
