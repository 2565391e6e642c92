using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TagWorker.Imaging;
using TagWorker.Inference;

namespace TagWorker.Pipeline;

/// <summary>
/// The product's eye: decode (any thread) and analyse. The model sessions are created once, warmed
/// up and shared; each inference thread gets its own <see cref="Worker"/> (its own input buffers),
/// so two threads can run the same sessions at once without a second copy of the weights.
/// </summary>
public sealed class PhotoAnalyzer : IDisposable
{
    private readonly ImageDecoder _decoder;
    private readonly ImagingOptions _imaging;
    private readonly InferenceOptions _options;
    private readonly OnnxSession[] _sessions;
    private readonly Func<Worker> _newWorker;
    private readonly Worker _shared;
    private readonly Lock _sharedLock = new();

    public PhotoAnalyzer(OnnxRuntime runtime, ImageDecoder decoder, IOptions<ImagingOptions> imaging, IOptions<InferenceOptions> options,
        ILogger<PhotoAnalyzer> logger)
    {
        _decoder = decoder;
        _imaging = imaging.Value;
        _options = options.Value;
        var models = ModelManifest.Load(_options.ModelsDir);
        var objectModel = ModelManifest.Find(models, _options.ObjectModel, "objects");
        var faceModel = ModelManifest.Find(models, _options.FaceModel, "faces");
        var embedModel = ModelManifest.Find(models, _options.EmbeddingModel, "embedding");
        var objectSession = runtime.Open(objectModel.Path);
        var faceSession = runtime.Open(faceModel.Path);
        var embedSession = runtime.Open(embedModel.Path);
        _sessions = [objectSession, faceSession, embedSession];
        var objectConfidence = _options.ObjectConfidence ?? objectModel.Confidence;
        var objectIou = _options.ObjectIou ?? objectModel.Iou;
        var faceConfidence = _options.FaceConfidence ?? faceModel.Confidence;
        var faceIou = _options.FaceIou ?? faceModel.Iou;
        _newWorker = () => new Worker(this,
            new ObjectDetector(objectSession, objectModel, objectConfidence, objectIou),
            faceModel.Format == "yunet"
                ? new YuNetDetector(faceSession, faceModel, faceConfidence, faceIou)
                : new YoloFaceDetector(faceSession, faceModel, faceConfidence, faceIou),
            new FaceEmbedder(embedSession, embedModel));
        _shared = _newWorker();
        _shared.WarmUp();
        EmbedderName = embedModel.Name;
        logger.LogInformation("Models ready: objects {Objects}, faces {Faces}, embeddings {Embedder} (ONNX Runtime {Library})",
            objectModel.Name, faceModel.Name, embedModel.Name, runtime.LibraryPath);
    }

    public string EmbedderName { get; }

    /// <summary>A worker for one inference thread; it shares this analyzer's sessions.</summary>
    public Worker NewWorker() => _newWorker();

    /// <summary>Decodes and makes the preview JPEG; safe to call from several threads.</summary>
    public (DecodedPhoto Photo, byte[]? Preview) Decode(ReadOnlySpan<byte> file, bool preview, StageTimes times)
    {
        var stopwatch = Stopwatch.StartNew();
        var photo = _decoder.Decode(file);
        byte[]? jpeg = null;
        if (preview)
        {
            using var small = ImageOps.CropAndShrink(photo.Image, 0, 0, photo.Image.Width, photo.Image.Height, _imaging.PreviewSize);
            jpeg = JpegEncoder.Encode(small, _imaging.JpegQuality);
        }
        times.Decode = stopwatch.Elapsed.TotalMilliseconds;
        return (photo, jpeg);
    }

    /// <summary>Analyses on a shared worker, one caller at a time (commands and tests; the pipeline uses its own workers).</summary>
    public Analysis Analyze(DecodedPhoto photo, bool thumbnails, byte[]? preview, StageTimes times)
    {
        lock (_sharedLock)
        {
            return _shared.Analyze(photo, thumbnails, preview, times);
        }
    }

    public void Dispose()
    {
        foreach (var session in _sessions)
        {
            session.Dispose();
        }
    }

    /// <summary>Detectors and embedder with their own buffers, for one thread at a time.</summary>
    public sealed class Worker(PhotoAnalyzer owner, ObjectDetector objects, IFaceDetector faces, FaceEmbedder embedder)
    {
        public Analysis Analyze(DecodedPhoto photo, bool thumbnails, byte[]? preview, StageTimes times)
        {
            var stopwatch = Stopwatch.StartNew();
            var scale = photo.Scale;
            var found = objects.Detect(photo.Image)
                .Select(o => new ObjectResult(o.Label, o.Confidence, o.Box.Scale(scale).Clip(photo.Width, photo.Height)))
                .ToArray();
            times.Objects = Lap(stopwatch);

            var detected = owner._options.FacesOnlyWithPerson && !found.Any(o => o.Label == "person") ? [] : faces.Detect(photo.Image);
            times.Faces = Lap(stopwatch);

            var results = Embed(photo, detected, thumbnails);
            times.Embed = Lap(stopwatch);
            return new Analysis(photo.Width, photo.Height, photo.Orientation, found, results, embedder.ModelName, preview, times) { TakenAt = photo.TakenAt };
        }

        internal void WarmUp()
        {
            using var blank = new RgbImage(64, 48);
            blank.Pixels.Fill(128);
            objects.Detect(blank);
            faces.Detect(blank);
            embedder.Embed(blank, [[(20f, 20f), (40f, 20f), (30f, 28f), (22f, 36f), (38f, 36f)]]);
        }

        private FaceResult[] Embed(DecodedPhoto photo, IReadOnlyList<FaceDetection> detected, bool thumbnails)
        {
            var scale = photo.Scale;
            var sizes = detected.Select(f => Math.Min(f.Box.Width, f.Box.Height) * (float)scale).ToArray();
            var embeddable = Enumerable.Range(0, detected.Count).Where(i => sizes[i] >= owner._options.MinFaceSize).ToArray();
            var embeddings = embedder.Embed(photo.Image, embeddable.Select(i => detected[i].Landmarks).ToArray());
            var byFace = embeddable.Select((face, k) => (face, k)).ToDictionary(p => p.face, p => embeddings[p.k]);
            return detected.Select((face, i) =>
            {
                var embedding = byFace.GetValueOrDefault(i);
                return new FaceResult(
                    face.Score,
                    face.Box.Scale(scale).Clip(photo.Width, photo.Height),
                    face.Landmarks.Select(p => ((float)(p.X * scale), (float)(p.Y * scale))).ToArray(),
                    embedding?.Vector, sizes[i], embedding?.Sharpness ?? 0,
                    thumbnails ? Thumbnail(photo.Image, face.Box) : null);
            }).ToArray();
        }

        private byte[] Thumbnail(RgbImage image, Box box)
        {
            // A square around the face with some hair and chin, as people expect a face tile to look.
            var side = Math.Max(box.Width, box.Height) * 1.4f;
            var cx = (box.X1 + box.X2) / 2;
            var cy = (box.Y1 + box.Y2) / 2;
            using var crop = ImageOps.CropAndShrink(image, cx - side / 2, cy - side / 2, side, side, owner._imaging.FaceThumbnailSize);
            return JpegEncoder.Encode(crop, owner._imaging.JpegQuality);
        }

        private static double Lap(Stopwatch stopwatch)
        {
            var ms = stopwatch.Elapsed.TotalMilliseconds;
            stopwatch.Restart();
            return ms;
        }
    }
}
