using TagWorker.Faces;
using TagWorker.WriteBack;

namespace TagWorker.Review;

// The shapes the review site and the API read and return (their JSON is snake_case).

/// <summary>One page of a list: 1-based page number, page size, and the total across all pages.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int Size, long Total)
{
    public int Pages => (int)Math.Max(1, (Total + Size - 1) / Size);
}

public sealed record PersonSummary(
    long Id,
    string? Name,
    long Faces,
    long Photos,
    long? CoverFaceId,
    bool Ignored,
    bool Hidden = false
);

public sealed record GroupSummary(long Id, long Faces, long? CoverFaceId, IReadOnlyList<Suggestion> Suggestions);

public sealed record FaceItem(
    long Id,
    long PhotoId,
    long? PersonId,
    string? PersonName,
    double Confidence,
    double SizePx,
    string? AssignedBy,
    string? Rejected,
    double X,
    double Y,
    double W,
    double H,
    bool HasThumbnail
);

/// <summary>A face in no group, with the named person it is most like (a question when
/// <c>Closest.Likely</c>).</summary>
public sealed record WaitingFace(FaceItem Face, Suggestion? Closest);

public sealed record ObjectItem(long Id, string Label, double Confidence, double X, double Y, double W, double H);

public sealed record PhotoSummary(long Id, string? Path, string? TakenAt, string State);

public sealed record PhotoDetail(
    long Id,
    string State,
    string? Error,
    IReadOnlyList<string> Paths,
    int? Width,
    int? Height,
    int? Orientation,
    string? TakenAt,
    bool HasPreview,
    IReadOnlyList<FaceItem> Faces,
    IReadOnlyList<ObjectItem> Objects,
    IReadOnlyList<WrittenValue> Written,
    IReadOnlyList<Change> Pending
);

public sealed record WrittenValue(string Subject, string Value);

public sealed record LabelCount(string Label, long Photos);

public sealed record FailedItem(string Kind, long Id, string Path, string Reason, string At);

public sealed record DecisionItem(long Id, string Kind, string Summary, string CreatedAt, string? UndoneAt);

public sealed record AlbumSummary(long Id, string Name, long Photos, long? CoverPhotoId, string CreatedAt);

/// <param name="Added">The names and labels added, as a JSON list (<see cref="AddedNames"/> for display).</param>
public sealed record WriteItem(
    long Id,
    long? PhotoId,
    string Path,
    string Mode,
    string State,
    string? Error,
    string CreatedAt,
    string? UndoneAt,
    string Added,
    string Removed
)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public string AddedNames => Names(Added);

    [System.Text.Json.Serialization.JsonIgnore]
    public string RemovedNames => Names(Removed);

    private static string Names(string json) =>
        string.Join(", ", System.Text.Json.JsonSerializer.Deserialize<List<string>>(json) ?? []);
}

public sealed record PendingPhoto(PhotoSummary Photo, IReadOnlyList<Change> Changes);
