namespace TagWorker.Hosting;

/// <summary>
/// A wake-up from one stage to the one that waits for it: raising it any number of times wakes the waiter once; a
/// waiter also wakes after its timeout (the periodic work a stage does anyway). One waiter at a time.
/// </summary>
public class Signal : IDisposable
{
    private readonly SemaphoreSlim _raised = new(0, 1);

    public void Raise()
    {
        try
        {
            _raised.Release();
        }
        catch (SemaphoreFullException)
        {
            // Raised already: the waiter wakes once.
        }
    }

    /// <summary>True when raised, false after <paramref name="timeout"/>.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _raised.WaitAsync(timeout, cancellationToken);

    public void Dispose()
    {
        _raised.Dispose();
        GC.SuppressFinalize(this);
    }
}
