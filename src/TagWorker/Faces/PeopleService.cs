using Microsoft.Extensions.Options;
using TagWorker.Pipeline;

namespace TagWorker.Faces;

/// <summary>
/// Keeps people up to date while the worker runs: new faces are assigned every AssignEverySeconds while analysis stores them
/// (and on the next round after the owner changed a person on the review site),
/// and a full regrouping (which keeps every decision) follows every RegroupEveryPhotos new photos,
/// at most every RegroupMinMinutes while an import is still running, once at start, and once an import has been quiet for a
/// minute (so a library of a few photos gets its groups too).
/// </summary>
public sealed class PeopleService(Grouping grouping, PipelineStats stats, IOptions<FacesOptions> options, TimeProvider clock,
    ILogger<PeopleService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var settings = options.Value;
        var seen = stats.Analyzed;
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
                var analyzed = stats.Analyzed;
                var fresh = analyzed - seen;
                seen = analyzed;
                sinceRegroup += fresh;
                var busy = fresh > 0;
                lastFresh = busy ? clock.GetUtcNow() : lastFresh;
                pendingAssignment |= busy;
                regroupNext |= sinceRegroup >= settings.RegroupEveryPhotos
                    && (!busy || clock.GetUtcNow() - lastRegroup >= TimeSpan.FromMinutes(settings.RegroupMinMinutes));
                regroupNext |= sinceRegroup > 0 && clock.GetUtcNow() - lastFresh >= TimeSpan.FromMinutes(1);
                if (regroupNext)
                {
                    var result = grouping.Regroup();
                    logger.LogInformation("Regrouped {Faces} faces into {Groups} groups ({New} new, {Moved} faces moved)",
                        result.Faces, result.Groups, result.NewPeople, result.Moved);
                    (sinceRegroup, lastRegroup, regroupNext) = (0, clock.GetUtcNow(), false);
                }
                else if ((pendingAssignment && clock.GetUtcNow() - lastAssignment >= TimeSpan.FromSeconds(settings.AssignEverySeconds))
                    || grouping.TakeAssignmentRequest())
                {
                    grouping.AssignWaiting();
                    (pendingAssignment, lastAssignment) = (false, clock.GetUtcNow());
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Grouping faces failed; trying again shortly");
            }
            await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
        }
    }
}
