using Microsoft.Extensions.Options;

namespace TagWorker.Library;

/// <summary>
/// FileSystemWatcher as a hint, never the truth: it collects the paths that events name, and asks
/// for a full pass when its buffer overflows or it fails. inotify does not cross SMB/NFS or Docker
/// Desktop mounts, which is why the periodic full pass runs regardless.
/// </summary>
public sealed class LibraryWatcher(IOptions<LibraryOptions> options, ILogger<LibraryWatcher> logger) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _paths = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private FileSystemWatcher? _watcher;
    private string _root = "";
    private long _lastEventTicks;

    public bool Active => _watcher is { EnableRaisingEvents: true };
    public bool FullPassRequested { get; private set; }

    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _paths.Count;
            }
        }
    }

    public void Start()
    {
        _root = Path.GetFullPath(options.Value.Root);
        try
        {
            _watcher = new FileSystemWatcher(_root)
            {
                IncludeSubdirectories = true,
                InternalBufferSize = 64 * 1024,
                NotifyFilter =
                    NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            _watcher.Created += (_, e) => Add(e.FullPath);
            _watcher.Changed += (_, e) => Add(e.FullPath);
            _watcher.Deleted += (_, e) => Add(e.FullPath);
            _watcher.Renamed += (_, e) =>
            {
                Add(e.OldFullPath);
                Add(e.FullPath);
            };
            _watcher.Error += (_, e) => RequestFullPass(e.GetException().Message);
            _watcher.EnableRaisingEvents = true;
            logger.LogInformation("Watching {Root} for changes (a hint; full passes still run)", _root);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot watch {Root}, relying on periodic passes: {Reason}", _root, e.Message);
            _watcher?.Dispose();
            _watcher = null;
        }
    }

    /// <summary>Queues relative paths for a prompt look (also used to retry files left for later).</summary>
    public void Hint(IEnumerable<string> relativePaths)
    {
        lock (_lock)
        {
            foreach (var path in relativePaths)
            {
                _paths.Add(path);
            }
        }
        Signal();
    }

    /// <summary>Waits for a hint, then for <paramref name="quiet"/> without new events (debounce).</summary>
    public async Task WaitForHintsAsync(TimeSpan quiet, CancellationToken cancellationToken)
    {
        await _signal.WaitAsync(cancellationToken);
        while (
            TimeSpan.FromTicks(
                Environment.TickCount64 * TimeSpan.TicksPerMillisecond - Interlocked.Read(ref _lastEventTicks)
            ) < quiet
        )
        {
            await Task.Delay(quiet / 4 + TimeSpan.FromMilliseconds(1), cancellationToken);
        }
    }

    /// <summary>Takes the collected paths, or null when a full pass was asked for instead.</summary>
    public IReadOnlyCollection<string>? Drain()
    {
        lock (_lock)
        {
            while (_signal.CurrentCount > 0)
            {
                _signal.Wait(0);
            }
            var paths = _paths.ToArray();
            _paths.Clear();
            if (FullPassRequested)
            {
                FullPassRequested = false;
                return null;
            }
            return paths;
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _signal.Dispose();
    }

    private void Add(string fullPath)
    {
        var relative = Path.GetRelativePath(_root, fullPath);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return;
        }
        Hint([relative]);
    }

    internal void RequestFullPass(string reason)
    {
        logger.LogWarning("Watcher lost events ({Reason}); a full pass will follow", reason);
        lock (_lock)
        {
            FullPassRequested = true;
        }
        Signal();
    }

    private void Signal()
    {
        Interlocked.Exchange(ref _lastEventTicks, Environment.TickCount64 * TimeSpan.TicksPerMillisecond);
        _signal.Release();
    }
}
