using System.Diagnostics;
using Microsoft.Extensions.Options;
using TagWorker.Imaging;
using TagWorker.Inference;

namespace TagWorker.Pipeline;

/// <summary>
/// The product's eye: decodes (any thread) and hands out <see cref="AnalysisWorker"/>s, one per
/// inference thread, that share one copy of each model. The models load with the first worker and
/// can be released when no worker holds them (<see cref="Release"/>), so an idle worker on a NAS
/// gives their memory back and loads them again with the next photo.
/// </summary>
public sealed class PhotoAnalyzer : IDisposable
{
    private readonly OnnxRuntime _runtime;
    private readonly ImageDecoder _decoder;
    private readonly ImagingOptions _imaging;
    private readonly InferenceOptions _options;
    private readonly ILogger<PhotoAnalyzer> _logger;
    private readonly Lock _lock = new();
    private readonly Lock _sharedLock = new();
    private AnalysisModels? _models;
    private AnalysisWorker? _shared;
    private int _workers;

    public PhotoAnalyzer(
        OnnxRuntime runtime,
        ImageDecoder decoder,
        IOptions<ImagingOptions> imaging,
        IOptions<InferenceOptions> options,
        ILogger<PhotoAnalyzer> logger
    )
    {
        _runtime = runtime;
        _decoder = decoder;
        _imaging = imaging.Value;
        _options = options.Value;
        _logger = logger;
        // Read the manifest now: a wrong model name is a start-up error, not a failure of the first photo.
        var models = ModelManifest.Load(_options.ModelsDir);
        EmbedderName = ModelManifest.Find(models, _options.EmbeddingModel, "embedding").Name;
        ModelManifest.Find(models, _options.ObjectModel, "objects");
        ModelManifest.Find(models, _options.FaceModel, "faces");
    }

    public string EmbedderName { get; }

    /// <summary>True while the model sessions are in memory.</summary>
    public bool Loaded
    {
        get
        {
            lock (_lock)
            {
                return _models is not null;
            }
        }
    }

    /// <summary>A worker for one inference thread, loading the models first if they are not in memory; dispose it when
    /// done.</summary>
    public AnalysisWorker NewWorker()
    {
        lock (_lock)
        {
            _models ??= AnalysisModels.Load(_runtime, _options, _imaging, _logger);
            _workers++;
            return new AnalysisWorker(_models, _imaging, _options, () => Returned());
        }
    }

    /// <summary>Releases the model sessions if no worker holds them; true when they were released.</summary>
    public bool Release()
    {
        lock (_sharedLock)
        {
            _shared?.Dispose();
            _shared = null;
        }
        lock (_lock)
        {
            if (_models is null || _workers > 0)
            {
                return false;
            }
            _models.Dispose();
            _models = null;
            RgbImage.ReleasePool();
            return true;
        }
    }

    /// <summary>Decodes a file by path; safe to call from several threads.</summary>
    public DecodedPhoto Decode(string path, StageTimes times)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        return Decode(file, times);
    }

    public DecodedPhoto Decode(FileStream file, StageTimes times) => Timed(() => _decoder.Decode(file), times);

    public PhotoHeader ReadHeader(FileStream file) => _decoder.ReadHeader(file);

    public DecodedPhoto Decode(byte[] data, StageTimes times) => Timed(() => _decoder.Decode(data), times);

    /// <summary>Analyses on a shared worker, one caller at a time (commands and tests; the pipeline has its own
    /// workers).</summary>
    public Analysis Analyze(DecodedPhoto photo, bool thumbnails, bool preview, StageTimes times)
    {
        lock (_sharedLock)
        {
            _shared ??= NewWorker();
            return _shared.Analyze(photo, thumbnails, preview, times);
        }
    }

    public void Dispose()
    {
        Release();
        lock (_lock)
        {
            _models?.Dispose();
            _models = null;
        }
    }

    private void Returned()
    {
        lock (_lock)
        {
            _workers--;
        }
    }

    private static DecodedPhoto Timed(Func<DecodedPhoto> decode, StageTimes times)
    {
        var stopwatch = Stopwatch.StartNew();
        var photo = decode();
        times.Decode = stopwatch.Elapsed.TotalMilliseconds;
        return photo;
    }
}
