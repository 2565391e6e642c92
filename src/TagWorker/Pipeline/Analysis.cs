using TagWorker.Inference;

namespace TagWorker.Pipeline;

/// <summary>A face in displayed-photo pixels, with its embedding (null when too small to embed) and quality.</summary>
public sealed record FaceResult(
    float Confidence,
    Box Box,
    (float X, float Y)[] Landmarks,
    float[]? Embedding,
    float SizePx,
    float Sharpness,
    byte[]? Thumbnail
);

public sealed record ObjectResult(string Label, float Confidence, Box Box);

/// <summary>Milliseconds per stage for one photo.</summary>
public sealed record StageTimes
{
    public double Decode { get; set; }
    public double Objects { get; set; }
    public double Faces { get; set; }
    public double Embed { get; set; }
    public double Persist { get; set; }
}

/// <summary>Everything the worker learned about one photo. Boxes are in displayed-photo pixels.</summary>
public sealed record Analysis(
    int Width,
    int Height,
    int Orientation,
    IReadOnlyList<ObjectResult> Objects,
    IReadOnlyList<FaceResult> Faces,
    string Embedder,
    byte[]? Preview,
    StageTimes Times
)
{
    /// <summary>EXIF DateTimeOriginal, "yyyy-MM-ddTHH:mm:ss", when the photo has one.</summary>
    public string? TakenAt { get; init; }
}
