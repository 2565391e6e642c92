namespace TagWorker.Imaging;

/// <summary>
/// The memory the decode threads may hold together: a decode that needs its whole image at once waits while
/// others hold too much of the budget (one always runs, so nothing waits forever). Decodes read in parts cost 0.
/// </summary>
public sealed class DecodeBudget(long bytes)
{
    private readonly object _lock = new(); // Monitor.Wait needs a monitor, not a System.Threading.Lock
    private long _used;

    public long Bytes => bytes;

    public IDisposable Take(long cost)
    {
        if (cost <= 0)
        {
            return Lease.None;
        }
        lock (_lock)
        {
            while (_used > 0 && _used + cost > bytes)
            {
                Monitor.Wait(_lock);
            }
            _used += cost;
        }
        return new Lease(this, cost);
    }

    private void Give(long cost)
    {
        lock (_lock)
        {
            _used -= cost;
            Monitor.PulseAll(_lock);
        }
    }

    private sealed class Lease(DecodeBudget? budget, long cost) : IDisposable
    {
        public static readonly Lease None = new(null, 0);
        private int _given;

        public void Dispose()
        {
            if (budget is not null && Interlocked.Exchange(ref _given, 1) == 0)
            {
                budget.Give(cost);
            }
        }
    }
}
