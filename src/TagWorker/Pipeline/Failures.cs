using TagWorker.Imaging;
using TagWorker.Inference;

namespace TagWorker.Pipeline;

public static class Failures
{
    /// <summary>A failure reason for the owner to read: our own errors as they are, anything else with its
    /// type.</summary>
    public static string Describe(Exception e) =>
        e is ImagingException or IOException or UnauthorizedAccessException or OnnxException
            ? e.Message
            : $"{e.GetType().Name}: {e.Message}";
}
