using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TagWorker.Imaging;
using TagWorker.Inference;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.Pipeline;

/// <summary>
/// Pending photos from SQLite (the durable queue) flow through bounded channels: decode (one or
/// more threads) → inference (one thread: the models are sequential, ONNX Runtime gets one intra-op
/// thread) → persist (the one SQLite writer). A photo that fails is recorded with its reason and
/// the rest go on; after a restart whatever is still pending is simply picked up again.
/// </summary>
public sealed class AnalysisPipeline(
    Database database, PhotoAnalyzer analyzer, ThumbnailStore thumbnails, PipelineStats stats, ScanState scans,
    IOptions<LibraryOptions> library, IOptions<PipelineOptions> options, TimeProvider clock, ILogger<AnalysisPipeline> logger)
{
    private readonly PipelineOptions _options = options.Value;

    private sealed record Decoded(PendingPhoto Photo, string Path, DecodedPhoto? Image, byte[]? Preview, StageTimes Times, string? Error);

    private sealed record Result(PendingPhoto Photo, string Path, Analysis? Analysis, StageTimes Times, string? Error);

    /// <param name="untilIdle">Stop once nothing is pending (benchmarks, tests); otherwise run until cancelled.</param>
    public async Task RunAsync(bool untilIdle, CancellationToken cancellationToken)
    {
        // Photos handed out in this run and not yet stored; a new run (after a cancel or crash) starts empty.
        var inFlight = new ConcurrentDictionary<long, byte>();
        var jobs = Channel.CreateBounded<PendingPhoto>(_options.QueueSize);
        var decoded = Channel.CreateBounded<Decoded>(Math.Max(1, _options.QueueSize / 2));
        var results = Channel.CreateBounded<Result>(_options.QueueSize * 2);
        var decodeThreads = _options.DecodeThreads > 0 ? _options.DecodeThreads : Math.Max(1, Environment.ProcessorCount - 1);

        var feeder = Task.Run(() => FeedAsync(jobs.Writer, inFlight, untilIdle, cancellationToken), cancellationToken);
        var decoders = Enumerable.Range(0, decodeThreads)
            .Select(_ => Task.Run(() => DecodeAsync(jobs.Reader, decoded.Writer, cancellationToken), cancellationToken)).ToArray();
        var decodersDone = Task.WhenAll(decoders).ContinueWith(_ => decoded.Writer.TryComplete(), TaskScheduler.Default);
        var count = _options.InferenceThreads > 0 ? _options.InferenceThreads : Math.Max(1, Environment.ProcessorCount / 2);
        var workers = Enumerable.Range(0, count).Select(_ => analyzer.NewWorker()).ToArray();
        var inference = workers.Select(worker => Task.Factory.StartNew(() => InferAsync(worker, decoded.Reader, results.Writer, cancellationToken),
                cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToArray();
        var inferenceDone = Task.WhenAll(inference).ContinueWith(_ => results.Writer.TryComplete(), TaskScheduler.Default);
        var persister = Task.Run(() => PersistAsync(results.Reader, inFlight, cancellationToken), cancellationToken);
        await Task.WhenAll(feeder, decodersDone, inferenceDone, persister);
        await Task.WhenAll(decoders.Concat(inference));
    }

    private async Task FeedAsync(ChannelWriter<PendingPhoto> jobs, ConcurrentDictionary<long, byte> inFlight, bool untilIdle, CancellationToken cancellationToken)
    {
        try
        {
            long cursor = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                List<PendingPhoto> batch;
                using (var connection = database.Open())
                {
                    batch = PhotoStore.NextPending(connection, cursor, 32).Where(p => !inFlight.ContainsKey(p.Id)).ToList();
                }
                foreach (var photo in batch)
                {
                    inFlight[photo.Id] = 0;
                    await jobs.WriteAsync(photo, cancellationToken);
                    cursor = photo.Id;
                }
                if (batch.Count > 0)
                {
                    continue;
                }
                if (cursor > 0)
                {
                    cursor = 0; // one more sweep from the start catches anything that became pending behind us
                    continue;
                }
                if (untilIdle)
                {
                    if (inFlight.IsEmpty)
                    {
                        return;
                    }
                    await Task.Delay(50, cancellationToken);
                    continue;
                }
                await scans.WaitForChangeAsync(TimeSpan.FromSeconds(_options.IdlePollSeconds), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            jobs.TryComplete();
        }
    }

    private async Task DecodeAsync(ChannelReader<PendingPhoto> jobs, ChannelWriter<Decoded> decoded, CancellationToken cancellationToken)
    {
        await foreach (var photo in jobs.ReadAllAsync(cancellationToken))
        {
            var times = new StageTimes();
            var path = photo.Paths[0];
            try
            {
                var (image, preview, usedPath) = Decode(photo, times);
                path = usedPath;
                await decoded.WriteAsync(new Decoded(photo, path, image, preview, times, null), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever goes wrong with one photo is that photo's failure, never the pipeline's.
                await decoded.WriteAsync(new Decoded(photo, path, null, null, times, ImageDecoder.Describe(e)), cancellationToken);
            }
        }
    }

    private (DecodedPhoto Image, byte[]? Preview, string Path) Decode(PendingPhoto photo, StageTimes times)
    {
        var root = Path.GetFullPath(library.Value.Root);
        Exception? last = null;
        foreach (var relative in photo.Paths)
        {
            var full = Path.Join(root, relative);
            byte[]? buffer = null;
            try
            {
                using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
                if (stream.Length != photo.Size)
                {
                    throw new IOException("the file changed since it was indexed; the next scan will pick up the new content");
                }
                buffer = ArrayPool<byte>.Shared.Rent((int)photo.Size);
                stream.ReadExactly(buffer, 0, (int)photo.Size);
                var (image, preview) = analyzer.Decode(buffer.AsSpan(0, (int)photo.Size), preview: true, times);
                return (image, preview, relative);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                last = e; // try another copy of the same photo
            }
            finally
            {
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        throw new IOException($"no readable copy: {last?.Message}");
    }

    private async Task InferAsync(PhotoAnalyzer.Worker worker, ChannelReader<Decoded> decoded, ChannelWriter<Result> results, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in decoded.ReadAllAsync(cancellationToken))
            {
                if (item.Image is null)
                {
                    await results.WriteAsync(new Result(item.Photo, item.Path, null, item.Times, item.Error), cancellationToken);
                    continue;
                }
                using (item.Image)
                {
                    stats.Current = item.Path;
                    Result result;
                    try
                    {
                        result = new Result(item.Photo, item.Path, worker.Analyze(item.Image, thumbnails: true, item.Preview, item.Times), item.Times, null);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        result = new Result(item.Photo, item.Path, null, item.Times, ImageDecoder.Describe(e));
                    }
                    await results.WriteAsync(result, cancellationToken);
                }
            }
        }
        finally
        {
            stats.Current = null;
        }
    }

    private void TryFail(long photoId, string reason, string now)
    {
        try
        {
            using var connection = database.Open();
            PhotoStore.Fail(connection, photoId, reason, now);
            stats.Failure(clock.GetUtcNow());
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            logger.LogError("Cannot record the failure of photo {Photo}: {Reason}", photoId, e.Message);
        }
    }

    private async Task PersistAsync(ChannelReader<Result> results, ConcurrentDictionary<long, byte> inFlight, CancellationToken cancellationToken)
    {
        await foreach (var result in results.ReadAllAsync(cancellationToken))
        {
            var stopwatch = Stopwatch.StartNew();
            var now = PhotoStore.Now(clock);
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
                stats.Finished(result.Times, result.Analysis.Faces.Count, clock.GetUtcNow());
                logger.LogDebug("Analysed {Path}: {Objects} objects, {Faces} faces", result.Path, result.Analysis.Objects.Count, result.Analysis.Faces.Count);
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
