using Microsoft.Extensions.Options;
using TagWorker.Pipeline;

namespace TagWorker.Faces;

/// <summary>
/// Keeps people up to date while the worker runs: new faces are assigned every AssignEverySeconds while analysis stores
/// them (counted from the pipeline's <see cref="AnalysisEvents"/>), and at once after the owner changed a person on the
/// review site, and a full regrouping (which keeps every decision) follows every RegroupEveryPhotos new photos,
/// at most every RegroupMinMinutes while an import is still running, once at start, and once an import has been quiet
/// for a minute (so a library of a few photos gets its groups too).
/// </summary>
public sealed class PeopleService(
    Grouping grouping,
    AnalysisEvents analysis,
    IOptions<FacesOptions> options,
    TimeProvider clock,
    ILogger<PeopleService> logger
) : BackgroundService
{
    private long _stored;

    private void PhotoStored() => Interlocked.Increment(ref _stored);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        analysis.PhotoStored += PhotoStored;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        analysis.PhotoStored -= PhotoStored;
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var settings = options.Value;
        var sinceRegroup = 0L;
        var lastRegroup = DateTimeOffset.MinValue;
        var regroupNext = true;
        var pendingAssignment = false;
        var lastAssignment = DateTimeOffset.MinValue;
        var lastFresh = clock.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var fresh = Interlocked.Exchange(ref _stored, 0);
                sinceRegroup += fresh;
                var busy = fresh > 0;
                lastFresh = busy ? clock.GetUtcNow() : lastFresh;
                pendingAssignment |= busy;
                regroupNext |=
                    sinceRegroup >= settings.RegroupEveryPhotos
                    && (!busy || clock.GetUtcNow() - lastRegroup >= TimeSpan.FromMinutes(settings.RegroupMinMinutes));
                regroupNext |= sinceRegroup > 0 && clock.GetUtcNow() - lastFresh >= TimeSpan.FromMinutes(1);
                if (regroupNext)
                {
                    var result = grouping.Regroup();
                    logger.LogInformation(
                        "Regrouped {Faces} faces into {Groups} groups ({New} new, {Moved} faces moved)",
                        result.Faces,
                        result.Groups,
                        result.NewPeople,
                        result.Moved
                    );
                    (sinceRegroup, lastRegroup, regroupNext) = (0, clock.GetUtcNow(), false);
                }
                else if (
                    (
                        pendingAssignment
                        && clock.GetUtcNow() - lastAssignment >= TimeSpan.FromSeconds(settings.AssignEverySeconds)
                    ) || grouping.TakeAssignmentRequest()
                )
                {
                    grouping.AssignWaiting();
                    (pendingAssignment, lastAssignment) = (false, clock.GetUtcNow());
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Grouping faces failed; trying again shortly");
            }
            // Every 5 s for the rules of time (a quiet minute, the assignment's pace), at once when the owner changed a
            // person.
            await grouping.Changed.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
        }
    }
}
