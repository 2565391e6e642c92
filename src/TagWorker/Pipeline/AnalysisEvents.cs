namespace TagWorker.Pipeline;

/// <summary>
/// What the pipeline tells the stages after it: a photo's analysis was stored (its faces are in the database). The
/// people service counts these to decide when to assign and regroup, instead of polling the pipeline's statistics.
/// </summary>
public sealed class AnalysisEvents
{
    /// <summary>Raised on the pipeline's storing thread, after the photo's transaction committed: keep handlers
    /// short.</summary>
    public event Action? PhotoStored;

    public void Stored() => PhotoStored?.Invoke();
}
