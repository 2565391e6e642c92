namespace TagWorker.Faces;

/// <summary>
/// The faces that grouping, assignment, suggestions and "most like this face" work with, written once: faces
/// <c>f</c> of one embedder (parameter <c>$m</c>) that have an embedding, are not rejected (not a face, a
/// stranger) and sit in a photo <c>p</c> still in the library. Each reader adds its own columns and conditions.
/// </summary>
internal static class GroupableFaces
{
    public const string From = "faces f JOIN photos p ON p.id = f.photo_id";

    public const string Where =
        "f.embedder = $m AND f.embedding IS NOT NULL AND f.rejected IS NULL AND p.removed_at IS NULL";
}
