namespace TagWorker.Pipeline;

/// <summary>The pipeline's stages, for the time each spent working and waiting.</summary>
public enum Stage
{
    Feed,
    Analyse,
    Persist,
}

/// <summary>Where a stage's threads spent their time, summed over its threads, in seconds.</summary>
public sealed record StageClock(double Busy, double Idle, double Blocked);

/// <summary>Progress of the analysis pipeline for status and benchmarks: counts, rate, recent stage times, and
/// waits.</summary>
public sealed class PipelineStats
{
    private const int Keep = 2000;
    private readonly Lock _lock = new();
    private readonly Queue<StageTimes> _recent = new();
    private readonly Queue<DateTimeOffset> _finishedAt = new();
    private readonly TimeSpan[,] _clock = new TimeSpan[3, 3];

    public long Analyzed { get; private set; }
    public long Failed { get; private set; }
    public long Faces { get; private set; }
    public long Objects { get; private set; }
    public string? Current { get; set; }

    /// <summary>Why photos cannot be analysed at all (a model missing or unreadable), until the models load; null when
    /// fine.</summary>
    public string? Broken { get; set; }

    public void Finished(StageTimes times, int faces, int objects, DateTimeOffset at)
    {
        lock (_lock)
        {
            Analyzed++;
            Faces += faces;
            Objects += objects;
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

    /// <summary>A stage's thread worked on a photo.</summary>
    public void Busy(Stage stage, TimeSpan time) => Add(stage, 0, time);

    /// <summary>A stage's thread had nothing to do (waited for the stage before it).</summary>
    public void Idle(Stage stage, TimeSpan time) => Add(stage, 1, time);

    /// <summary>A stage's thread had a result but the next stage's queue was full.</summary>
    public void Waited(Stage stage, TimeSpan time) => Add(stage, 2, time);

    public IReadOnlyDictionary<Stage, StageClock> Clocks()
    {
        lock (_lock)
        {
            return Enum.GetValues<Stage>()
                .ToDictionary(
                    s => s,
                    s => new StageClock(
                        Math.Round(_clock[(int)s, 0].TotalSeconds, 2),
                        Math.Round(_clock[(int)s, 1].TotalSeconds, 2),
                        Math.Round(_clock[(int)s, 2].TotalSeconds, 2)
                    )
                );
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

    /// <summary>Total milliseconds per stage over the recent photos (what the medians hide: crowds, PNGs).</summary>
    public StageTimes Totals()
    {
        lock (_lock)
        {
            var all = _recent.ToArray();
            return new StageTimes
            {
                Decode = Math.Round(all.Sum(t => t.Decode)),
                Objects = Math.Round(all.Sum(t => t.Objects)),
                Faces = Math.Round(all.Sum(t => t.Faces)),
                Embed = Math.Round(all.Sum(t => t.Embed)),
                Persist = Math.Round(all.Sum(t => t.Persist)),
            };
        }
    }

    private void Add(Stage stage, int kind, TimeSpan time)
    {
        lock (_lock)
        {
            _clock[(int)stage, kind] += time;
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
