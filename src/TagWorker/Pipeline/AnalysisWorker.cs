using System.Diagnostics;
using TagWorker.Imaging;
using TagWorker.Inference;

namespace TagWorker.Pipeline;

/// <summary>
/// Detectors and embedder with their own buffers, for one thread at a time, sharing the analyzer's
/// model sessions. The photo is scaled for the detectors once; both read that copy.
/// </summary>
public sealed class AnalysisWorker : IDisposable
{
    private readonly AnalysisModels _models;
    private readonly ImagingOptions _imaging;
    private readonly InferenceOptions _options;
    private readonly Action _returned;
    private readonly ObjectDetector _objects;
    private readonly IFaceDetector _faces;
    private readonly FaceEmbedder _embedder;
    private readonly float[] _input; // both detectors build their input here, one after the other
    private bool _disposed;

    internal AnalysisWorker(AnalysisModels models, ImagingOptions imaging, InferenceOptions options, Action returned)
    {
        _models = models;
        _imaging = imaging;
        _options = options;
        _returned = returned;
        var face = models.Faces;
        _objects = new ObjectDetector(
            models.ObjectModel,
            models.Objects,
            options.ObjectConfidence ?? models.Objects.Confidence,
            options.ObjectIou ?? models.Objects.Iou
        );
        double faceConfidence = options.FaceConfidence ?? face.Confidence,
            faceIou = options.FaceIou ?? face.Iou;
        _faces =
            face.Format == "yunet"
                ? new YuNetDetector(models.FaceModel, face, faceConfidence, faceIou)
                : new YoloFaceDetector(models.FaceModel, face, faceConfidence, faceIou);
        _embedder = new FaceEmbedder(models.EmbedModel, models.Embedding);
        _input = new float[
            3 * Math.Max(models.Objects.Input.Width * models.Objects.Input.Height, face.Input.Width * face.Input.Height)
        ];
    }

    /// <param name="preview">Also make the preview JPEG (PreviewSize on the long side).</param>
    public Analysis Analyze(DecodedPhoto photo, bool thumbnails, bool preview, StageTimes times)
    {
        var stopwatch = Stopwatch.StartNew();
        var scale = photo.Scale;
        using var forObjects = ImageOps.Letterbox(
            photo.Image,
            _models.Objects.Input.Width,
            _models.Objects.Input.Height
        );
        // The detectors' copy is usually the preview's size already: encode it as it is.
        var jpeg =
            !preview ? null
            : Math.Max(forObjects.Image.Width, forObjects.Image.Height) == _imaging.PreviewSize
                ? JpegEncoder.Encode(forObjects.Image, _imaging.PreviewSize, _imaging.JpegQuality)
            : JpegEncoder.Encode(photo.Image, _imaging.PreviewSize, _imaging.JpegQuality);
        times.Decode += Lap(stopwatch);
        var sameSize =
            (_models.Faces.Input.Width, _models.Faces.Input.Height)
            == (_models.Objects.Input.Width, _models.Objects.Input.Height);
        var found = _objects
            .Detect(forObjects, _input)
            .Select(o => new ObjectResult(o.Label, o.Confidence, o.Box.Scale(scale).Clip(photo.Width, photo.Height)))
            .ToArray();
        times.Objects = Lap(stopwatch);

        IReadOnlyList<FaceDetection> detected = [];
        if (!_options.FacesOnlyWithPerson || found.Any(o => o.Label == "person"))
        {
            using var forFaces = sameSize
                ? null
                : ImageOps.Letterbox(photo.Image, _models.Faces.Input.Width, _models.Faces.Input.Height);
            detected = _faces.Detect(forFaces ?? forObjects, _input);
        }
        times.Faces = Lap(stopwatch);

        var results = Embed(photo, detected, thumbnails);
        times.Embed = Lap(stopwatch);
        return new Analysis(
            photo.Width,
            photo.Height,
            photo.Orientation,
            found,
            results,
            _models.Embedding.Name,
            jpeg,
            times
        )
        {
            TakenAt = photo.TakenAt,
        };
    }

    internal void WarmUp()
    {
        using var blank = new RgbImage(64, 48);
        blank.Pixels.Fill(128);
        using var photo = new DecodedPhoto(blank, 64, 48, 1);
        Analyze(photo, thumbnails: true, preview: true, new StageTimes());
        _embedder.Embed(
            blank,
            [
                [(20f, 20f), (40f, 20f), (30f, 28f), (22f, 36f), (38f, 36f)],
            ]
        );
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _objects.Dispose();
        _faces.Dispose();
        _embedder.Dispose();
        _returned();
    }

    private FaceResult[] Embed(DecodedPhoto photo, IReadOnlyList<FaceDetection> detected, bool thumbnails)
    {
        var scale = photo.Scale;
        var sizes = detected.Select(f => Math.Min(f.Box.Width, f.Box.Height) * (float)scale).ToArray();
        var embeddable = Enumerable.Range(0, detected.Count).Where(i => sizes[i] >= _options.MinFaceSize).ToArray();
        var embeddings = _embedder.Embed(photo.Image, embeddable.Select(i => detected[i].Landmarks).ToArray());
        var byFace = embeddable.Select((face, k) => (face, k)).ToDictionary(p => p.face, p => embeddings[p.k]);
        return detected
            .Select(
                (face, i) =>
                {
                    var embedding = byFace.GetValueOrDefault(i);
                    return new FaceResult(
                        face.Score,
                        face.Box.Scale(scale).Clip(photo.Width, photo.Height),
                        face.Landmarks.Select(p => ((float)(p.X * scale), (float)(p.Y * scale))).ToArray(),
                        embedding?.Vector,
                        sizes[i],
                        embedding?.Sharpness ?? 0,
                        thumbnails ? Thumbnail(photo.Image, face.Box) : null
                    );
                }
            )
            .ToArray();
    }

    private byte[] Thumbnail(RgbImage image, Box box)
    {
        // A square around the face with some hair and chin, as people expect a face tile to look.
        var side = Math.Max(box.Width, box.Height) * 1.4f;
        var cx = (box.X1 + box.X2) / 2;
        var cy = (box.Y1 + box.Y2) / 2;
        return JpegEncoder.Encode(
            image,
            _imaging.FaceThumbnailSize,
            _imaging.JpegQuality,
            (cx - side / 2, cy - side / 2, side, side)
        );
    }

    private static double Lap(Stopwatch stopwatch)
    {
        var ms = stopwatch.Elapsed.TotalMilliseconds;
        stopwatch.Restart();
        return ms;
    }
}
