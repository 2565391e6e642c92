using Microsoft.Extensions.Options;
using TagWorker.Storage;

namespace TagWorker.Hosting;

/// <summary>One small chore that keeps a long-running worker's data folder and database in shape.</summary>
public interface IHousekeepingTask
{
    /// <summary>What the log calls it.</summary>
    string Name { get; }

    /// <summary>Does the chore; returns what it did in a few words ("3 files deleted"), or null for nothing.</summary>
    string? Run(CancellationToken cancellationToken);
}

/// <summary>
/// Runs every <see cref="IHousekeepingTask"/> a few minutes after the start and then every
/// <see cref="StorageOptions.HousekeepingHours"/> (Sonarr's housekeeping, in small): each task's failure is logged
/// and contained, so one broken chore never stops the others or the worker.
/// </summary>
public sealed class Housekeeping(
    IEnumerable<IHousekeepingTask> tasks,
    IOptions<StorageOptions> options,
    TimeProvider clock,
    ILogger<Housekeeping> logger
) : BackgroundService
{
    public static readonly TimeSpan FirstRunAfter = TimeSpan.FromMinutes(5);

    /// <summary>Runs every task once, now; returns what each did (null: nothing) or why it failed.</summary>
    public IReadOnlyDictionary<string, string?> RunOnce(CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var done = task.Run(cancellationToken);
                outcomes[task.Name] = done;
                if (done is not null)
                {
                    logger.LogInformation("Housekeeping, {Task}: {Done}", task.Name, done);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                outcomes[task.Name] = $"failed: {e.Message}";
                logger.LogWarning("Housekeeping, {Task} failed: {Reason}", task.Name, e.Message);
            }
        }
        return outcomes;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromHours(options.Value.HousekeepingHours);
        if (every <= TimeSpan.Zero)
        {
            return;
        }
        try
        {
            await Task.Delay(FirstRunAfter, clock, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Run(() => RunOnce(stoppingToken), stoppingToken);
                await Task.Delay(every, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }
}
