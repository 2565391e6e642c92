namespace TagWorker.Pipeline;

/// <summary>Progress of the analysis pipeline for status and benchmarks: counts, rate, and recent stage times.</summary>
public sealed class PipelineStats
{
    private const int Keep = 2000;
    private readonly Lock _lock = new();
    private readonly Queue<StageTimes> _recent = new();
    private readonly Queue<DateTimeOffset> _finishedAt = new();

    public long Analyzed { get; private set; }
    public long Failed { get; private set; }
    public long Faces { get; private set; }
    public string? Current { get; set; }

    public void Finished(StageTimes times, int faces, DateTimeOffset at)
    {
        lock (_lock)
        {
            Analyzed++;
            Faces += faces;
            Remember(times, at);
        }
    }

    public void Failure(DateTimeOffset at)
    {
        lock (_lock)
        {
            Failed++;
            _finishedAt.Enqueue(at);
        }
    }

    /// <summary>Photos per minute over the last few minutes of work.</summary>
    public double PerMinute(DateTimeOffset now)
    {
        lock (_lock)
        {
            var recent = _finishedAt.Where(t => now - t < TimeSpan.FromMinutes(5)).ToArray();
            if (recent.Length < 2)
            {
                return 0;
            }
            var span = (now - recent[0]).TotalMinutes;
            return span > 0 ? Math.Round(recent.Length / span, 1) : 0;
        }
    }

    /// <summary>Median milliseconds per stage over the recent photos.</summary>
    public StageTimes Medians()
    {
        lock (_lock)
        {
            var all = _recent.ToArray();
            return new StageTimes
            {
                Decode = Median(all.Select(t => t.Decode)),
                Objects = Median(all.Select(t => t.Objects)),
                Faces = Median(all.Select(t => t.Faces)),
                Embed = Median(all.Select(t => t.Embed)),
                Persist = Median(all.Select(t => t.Persist)),
            };
        }
    }

    private void Remember(StageTimes times, DateTimeOffset at)
    {
        _recent.Enqueue(times);
        _finishedAt.Enqueue(at);
        while (_recent.Count > Keep)
        {
            _recent.Dequeue();
        }
        while (_finishedAt.Count > Keep)
        {
            _finishedAt.Dequeue();
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : Math.Round(sorted[sorted.Length / 2], 1);
    }
}
