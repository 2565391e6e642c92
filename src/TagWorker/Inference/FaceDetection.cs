using TagWorker.Imaging;

namespace TagWorker.Inference;

/// <summary>A face: box, score and 5 landmarks (image-left eye, image-right eye, nose, image-left and image-right mouth
/// corner).</summary>
public sealed record FaceDetection(float Score, Box Box, (float X, float Y)[] Landmarks);

/// <summary>A face detector; YOLOv8-face by default, YuNet by configuration.</summary>
public interface IFaceDetector : IDisposable
{
    /// <summary>
    /// Faces in the pixels of the image <paramref name="image"/> was scaled from; <paramref name="input"/>
    /// (at least the model's input size) is where the model's input is built.
    /// </summary>
    IReadOnlyList<FaceDetection> Detect(ScaledImage image, float[] input);
}
