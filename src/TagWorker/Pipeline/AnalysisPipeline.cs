using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using TagWorker.Imaging;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.Pipeline;

/// <summary>
/// Pending photos from SQLite (the durable queue) flow through bounded channels: feeder → workers
/// (one per core, each takes a photo from decode to embeddings, sharing the model sessions) →
/// persist (the one SQLite writer). A photo that fails is recorded with its reason and the rest go
/// on; after a restart whatever is still pending is simply picked up again.
/// </summary>
public sealed class AnalysisPipeline(
    Database database,
    PhotoAnalyzer analyzer,
    ThumbnailStore thumbnails,
    PipelineStats stats,
    AnalysisEvents events,
    LibraryChanges changes,
    IOptions<LibraryOptions> library,
    IOptions<PipelineOptions> options,
    TimeProvider clock,
    ILogger<AnalysisPipeline> logger
)
{
    private readonly PipelineOptions _options = options.Value;

    private sealed record Result(PendingPhoto Photo, string Path, Analysis? Analysis, StageTimes Times, string? Error);

    /// <summary>Photos analysed at once: the setting, or one per core.</summary>
    public int Workers => _options.Workers > 0 ? _options.Workers : Environment.ProcessorCount;

    /// <param name="stopWhenIdleFor">
    /// Return once nothing has been pending for this long (zero: as soon as nothing is pending, for
    /// benchmarks and tests); null: run until cancelled.
    /// </param>
    public async Task RunAsync(TimeSpan? stopWhenIdleFor, CancellationToken cancellationToken)
    {
        // Photos handed out in this run and not yet stored; a new run (after a cancel or crash) starts empty.
        var inFlight = new ConcurrentDictionary<long, byte>();
        var jobs = Channel.CreateBounded<PendingPhoto>(_options.QueueSize);
        var results = Channel.CreateBounded<Result>(_options.QueueSize);
        var workers = new List<AnalysisWorker>();
        try
        {
            for (var i = 0; i < Workers; i++)
            {
                workers.Add(analyzer.NewWorker()); // loads the models with the first one
            }
            var feeder = Task.Run(
                () => FeedAsync(jobs.Writer, inFlight, stopWhenIdleFor, cancellationToken),
                cancellationToken
            );
            var analysing = workers
                .Select(worker =>
                    Task.Factory.StartNew(
                            () => WorkAsync(worker, jobs.Reader, results.Writer, cancellationToken),
                            cancellationToken,
                            TaskCreationOptions.LongRunning,
                            TaskScheduler.Default
                        )
                        .Unwrap()
                )
                .ToArray();
            var analysed = Task.WhenAll(analysing)
                .ContinueWith(_ => results.Writer.TryComplete(), TaskScheduler.Default);
            var persister = Task.Run(
                () => PersistAsync(results.Reader, inFlight, cancellationToken),
                cancellationToken
            );
            await Task.WhenAll(feeder, analysed, persister);
            await Task.WhenAll(analysing);
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
        }
    }

    private async Task FeedAsync(
        ChannelWriter<PendingPhoto> jobs,
        ConcurrentDictionary<long, byte> inFlight,
        TimeSpan? stopWhenIdleFor,
        CancellationToken cancellationToken
    )
    {
        try
        {
            long cursor = 0;
            var lastWork = clock.GetTimestamp();
            while (!cancellationToken.IsCancellationRequested)
            {
                List<PendingPhoto> batch;
                using (var connection = database.Open())
                {
                    RefreshMetadata(connection);
                    batch = PhotoStore
                        .NextPending(connection, cursor, 32)
                        .Where(p => !inFlight.ContainsKey(p.Id))
                        .ToList();
                }
                foreach (var photo in batch)
                {
                    inFlight[photo.Id] = 0;
                    var waited = Stopwatch.GetTimestamp();
                    await jobs.WriteAsync(photo, cancellationToken);
                    stats.Waited(Stage.Feed, Stopwatch.GetElapsedTime(waited));
                    cursor = photo.Id;
                }
                if (batch.Count > 0)
                {
                    lastWork = clock.GetTimestamp();
                    continue;
                }
                if (cursor > 0)
                {
                    cursor = 0; // one more sweep from the start catches anything that became pending behind us
                    continue;
                }
                if (!inFlight.IsEmpty)
                {
                    lastWork = clock.GetTimestamp();
                    await Task.Delay(50, cancellationToken);
                    continue;
                }
                var idle = clock.GetElapsedTime(lastWork);
                if (stopWhenIdleFor is { } limit && idle >= limit)
                {
                    return;
                }
                var poll = TimeSpan.FromSeconds(_options.IdlePollSeconds);
                await changes.WaitAsync(
                    stopWhenIdleFor is { } l && l - idle < poll ? l - idle : poll,
                    cancellationToken
                );
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        finally
        {
            jobs.TryComplete();
        }
    }

    /// <summary>Photos another program re-tagged: only their header is read again (date, orientation).</summary>
    private void RefreshMetadata(Microsoft.Data.Sqlite.SqliteConnection connection)
    {
        var root = Path.GetFullPath(library.Value.Root);
        foreach (var photo in PhotoStore.MetadataChanged(connection, 64))
        {
            Imaging.PhotoHeader? header = null;
            foreach (var path in photo.Paths)
            {
                try
                {
                    using var file = new FileStream(
                        Path.Join(root, path),
                        FileMode.Open,
                        FileAccess.Read,
                        FileShare.ReadWrite,
                        bufferSize: 0
                    );
                    header = analyzer.ReadHeader(file);
                    break;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ImagingException)
                {
                    logger.LogDebug("Cannot read the header of {Path}: {Reason}", path, e.Message);
                }
            }
            if (PhotoStore.RefreshHeader(connection, photo.Id, header, clock.StoredNow()))
            {
                logger.LogInformation(
                    "{Path}: its orientation or size changed in the metadata; analysing it again",
                    photo.Files[0].Path
                );
            }
        }
    }

    private async Task WorkAsync(
        AnalysisWorker worker,
        ChannelReader<PendingPhoto> jobs,
        ChannelWriter<Result> results,
        CancellationToken cancellationToken
    )
    {
        try
        {
            await WorkOnAsync(worker, jobs, results, cancellationToken);
        }
        finally
        {
            stats.Current = null;
        }
    }

    private async Task WorkOnAsync(
        AnalysisWorker worker,
        ChannelReader<PendingPhoto> jobs,
        ChannelWriter<Result> results,
        CancellationToken cancellationToken
    )
    {
        while (true)
        {
            if (jobs.Count == 0)
            {
                stats.Current = null; // nothing being analysed while we wait
            }
            var idle = Stopwatch.GetTimestamp();
            if (!await jobs.WaitToReadAsync(cancellationToken))
            {
                return;
            }
            if (!jobs.TryRead(out var photo))
            {
                continue;
            }
            stats.Idle(Stage.Analyse, Stopwatch.GetElapsedTime(idle));
            var busy = Stopwatch.GetTimestamp();
            var result = Analyse(worker, photo);
            stats.Busy(Stage.Analyse, Stopwatch.GetElapsedTime(busy));
            var blocked = Stopwatch.GetTimestamp();
            await results.WriteAsync(result, cancellationToken);
            stats.Waited(Stage.Analyse, Stopwatch.GetElapsedTime(blocked));
        }
    }

    private Result Analyse(AnalysisWorker worker, PendingPhoto photo)
    {
        var times = new StageTimes();
        var path = photo.Files[0].Path;
        try
        {
            var (image, usedPath) = Decode(photo, times);
            path = usedPath;
            using (image)
            {
                stats.Current = path;
                return new Result(
                    photo,
                    path,
                    worker.Analyze(image, thumbnails: true, preview: true, times),
                    times,
                    null
                );
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever goes wrong with one photo is that photo's failure, never the pipeline's.
            return new Result(photo, path, null, times, Failures.Describe(e));
        }
    }

    private (DecodedPhoto Image, string Path) Decode(PendingPhoto photo, StageTimes times)
    {
        var root = Path.GetFullPath(library.Value.Root);
        Exception? last = null;
        foreach (var (relative, size) in photo.Files)
        {
            var full = Path.Join(root, relative);
            try
            {
                using var stream = new FileStream(
                    full,
                    FileMode.Open,
                    FileAccess.Read,
                    FileShare.ReadWrite,
                    bufferSize: 0
                );
                if (stream.Length != size)
                {
                    throw new IOException(
                        "the file changed since it was indexed; the next scan will pick up the new content"
                    );
                }
                return (analyzer.Decode(stream, times), relative);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                last = e; // try another copy of the same photo
            }
        }
        throw new IOException($"no readable copy: {last?.Message}");
    }

    private void TryFail(long photoId, string reason, string now)
    {
        try
        {
            using var connection = database.Open();
            PhotoStore.Fail(connection, photoId, reason, now);
            stats.Failure(clock.GetUtcNow());
        }
        catch (Exception e)
            when (e is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            logger.LogError("Cannot record the failure of photo {Photo}: {Reason}", photoId, e.Message);
        }
    }

    private async Task PersistAsync(
        ChannelReader<Result> results,
        ConcurrentDictionary<long, byte> inFlight,
        CancellationToken cancellationToken
    )
    {
        await foreach (var result in results.ReadAllAsync(cancellationToken))
        {
            var stopwatch = Stopwatch.StartNew();
            var now = clock.StoredNow();
            try
            {
                using var connection = database.Open();
                if (result.Analysis is null)
                {
                    logger.LogWarning("Cannot analyse {Path}: {Reason}", result.Path, result.Error);
                    PhotoStore.Fail(connection, result.Photo.Id, result.Error ?? "unknown error", now);
                    stats.Failure(clock.GetUtcNow());
                    continue;
                }
                var preview = thumbnails.SavePreview(result.Photo.Id, result.Analysis.Preview);
                var faces = thumbnails.SaveFaces(result.Photo.Id, result.Analysis.Faces);
                PhotoStore.Save(connection, result.Photo.Id, result.Analysis, preview, faces, now);
                result.Times.Persist = stopwatch.Elapsed.TotalMilliseconds;
                stats.Busy(Stage.Persist, stopwatch.Elapsed);
                stats.Finished(
                    result.Times,
                    result.Analysis.Faces.Count,
                    result.Analysis.Objects.Count,
                    clock.GetUtcNow()
                );
                events.Stored();
                logger.LogDebug(
                    "Analysed {Path}: {Objects} objects, {Faces} faces",
                    result.Path,
                    result.Analysis.Objects.Count,
                    result.Analysis.Faces.Count
                );
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Cannot store the analysis of {Path}", result.Path);
                TryFail(result.Photo.Id, $"cannot store the results: {e.Message}", now);
            }
            finally
            {
                inFlight.TryRemove(result.Photo.Id, out _);
            }
        }
    }
}
