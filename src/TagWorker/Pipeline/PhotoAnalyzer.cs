using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TagWorker.Imaging;
using TagWorker.Inference;

namespace TagWorker.Pipeline;

/// <summary>
/// The product's eye: decode (any thread) and analyse (one inference thread at a time). Sessions are
/// created once, warmed up, and reused. Models and thresholds come from the manifest and settings.
/// </summary>
public sealed class PhotoAnalyzer : IDisposable
{
    private readonly ImageDecoder _decoder;
    private readonly ImagingOptions _imaging;
    private readonly InferenceOptions _options;
    private readonly ObjectDetector _objects;
    private readonly IFaceDetector _faces;
    private readonly FaceEmbedder _embedder;
    private readonly Lock _inference = new();

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
        _objects = new ObjectDetector(runtime.Open(objectModel.Path), objectModel,
            _options.ObjectConfidence ?? objectModel.Confidence, _options.ObjectIou ?? objectModel.Iou);
        var faceSession = runtime.Open(faceModel.Path);
        var faceConfidence = _options.FaceConfidence ?? faceModel.Confidence;
        var faceIou = _options.FaceIou ?? faceModel.Iou;
        _faces = faceModel.Format == "yunet"
            ? new YuNetDetector(faceSession, faceModel, faceConfidence, faceIou)
            : new YoloFaceDetector(faceSession, faceModel, faceConfidence, faceIou);
        _embedder = new FaceEmbedder(runtime.Open(embedModel.Path), embedModel);
        WarmUp();
        logger.LogInformation("Models ready: objects {Objects}, faces {Faces}, embeddings {Embedder} (ONNX Runtime {Library})",
            objectModel.Name, faceModel.Name, embedModel.Name, runtime.LibraryPath);
    }

    public string EmbedderName => _embedder.ModelName;

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

    public Analysis Analyze(DecodedPhoto photo, bool thumbnails, byte[]? preview, StageTimes times)
    {
        lock (_inference)
        {
            var stopwatch = Stopwatch.StartNew();
            var scale = photo.Scale;
            var objects = _objects.Detect(photo.Image)
                .Select(o => new ObjectResult(o.Label, o.Confidence, o.Box.Scale(scale).Clip(photo.Width, photo.Height)))
                .ToArray();
            times.Objects = Lap(stopwatch);

            var detected = _options.FacesOnlyWithPerson && !objects.Any(o => o.Label == "person") ? [] : _faces.Detect(photo.Image);
            times.Faces = Lap(stopwatch);

            var faces = Embed(photo, detected, thumbnails);
            times.Embed = Lap(stopwatch);
            return new Analysis(photo.Width, photo.Height, photo.Orientation, objects, faces, _embedder.ModelName, preview, times);
        }
    }

    public void Dispose()
    {
        _objects.Dispose();
        _faces.Dispose();
        _embedder.Dispose();
    }

    private FaceResult[] Embed(DecodedPhoto photo, IReadOnlyList<FaceDetection> detected, bool thumbnails)
    {
        var scale = photo.Scale;
        var sizes = detected.Select(f => Math.Min(f.Box.Width, f.Box.Height) * (float)scale).ToArray();
        var embeddable = Enumerable.Range(0, detected.Count).Where(i => sizes[i] >= _options.MinFaceSize).ToArray();
        var embeddings = _embedder.Embed(photo.Image, embeddable.Select(i => detected[i].Landmarks).ToArray());
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
        using var crop = ImageOps.CropAndShrink(image, cx - side / 2, cy - side / 2, side, side, _imaging.FaceThumbnailSize);
        return JpegEncoder.Encode(crop, _imaging.JpegQuality);
    }

    private void WarmUp()
    {
        using var blank = new RgbImage(64, 48);
        blank.Pixels.Fill(128);
        _objects.Detect(blank);
        _faces.Detect(blank);
        _embedder.Embed(blank, [[(20f, 20f), (40f, 20f), (30f, 28f), (22f, 36f), (38f, 36f)]]);
    }

    private static double Lap(Stopwatch stopwatch)
    {
        var ms = stopwatch.Elapsed.TotalMilliseconds;
        stopwatch.Restart();
        return ms;
    }
}
