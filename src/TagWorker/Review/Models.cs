using TagWorker.Faces;
using TagWorker.WriteBack;

namespace TagWorker.Review;

/// <summary>One page of a list: 1-based page number, page size, and the total across all pages.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int Size, long Total)
{
    public int Pages => (int)Math.Max(1, (Total + Size - 1) / Size);
}

public sealed record PersonSummary(long Id, string? Name, long Faces, long Photos, long? CoverFaceId, bool Ignored, bool Hidden = false);

public sealed record GroupSummary(long Id, long Faces, long? CoverFaceId, IReadOnlyList<Suggestion> Suggestions);

public sealed record FaceItem(long Id, long PhotoId, long? PersonId, string? PersonName, double Confidence, double SizePx,
    string? AssignedBy, string? Rejected, double X, double Y, double W, double H, bool HasThumbnail);

/// <summary>A face in no group, with the named person it is most like (a question when <c>Closest.Likely</c>).</summary>
public sealed record WaitingFace(FaceItem Face, Suggestion? Closest);

public sealed record ObjectItem(long Id, string Label, double Confidence, double X, double Y, double W, double H);

public sealed record PhotoSummary(long Id, string? Path, string? TakenAt, string State);

public sealed record PhotoDetail(long Id, string State, string? Error, IReadOnlyList<string> Paths, int? Width, int? Height, int? Orientation,
    string? TakenAt, bool HasPreview, IReadOnlyList<FaceItem> Faces, IReadOnlyList<ObjectItem> Objects,
    IReadOnlyList<WrittenValue> Written, IReadOnlyList<Change> Pending);

public sealed record WrittenValue(string Subject, string Value);

public sealed record LabelCount(string Label, long Photos);

public sealed record FailedItem(string Kind, long Id, string Path, string Reason, string At);

public sealed record DecisionItem(long Id, string Kind, string Summary, string CreatedAt, string? UndoneAt);

public sealed record AlbumSummary(long Id, string Name, long Photos, long? CoverPhotoId, string CreatedAt);

/// <param name="Added">The names and labels added, as a JSON list (<see cref="AddedNames"/> for display).</param>
public sealed record WriteItem(long Id, long? PhotoId, string Path, string Mode, string State, string? Error, string CreatedAt, string? UndoneAt,
    string Added, string Removed)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public string AddedNames => Names(Added);

    [System.Text.Json.Serialization.JsonIgnore]
    public string RemovedNames => Names(Removed);

    private static string Names(string json) => string.Join(", ", System.Text.Json.JsonSerializer.Deserialize<List<string>>(json) ?? []);
}

public sealed record PendingPhoto(PhotoSummary Photo, IReadOnlyList<Change> Changes);

/// <summary>PictoPy-style search: people (all of them or any), an object label, a date range (inclusive days) and a folder.</summary>
public sealed record SearchQuery(IReadOnlyList<long> People, bool AllPeople, string? Label, DateOnly? From, DateOnly? To, string? Folder)
{
    public bool IsEmpty => People.Count == 0 && string.IsNullOrWhiteSpace(Label) && From is null && To is null && string.IsNullOrWhiteSpace(Folder);
}

/// <summary>A request the review site or API cannot carry out, with the HTTP status it maps to.</summary>
public class ReviewException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;

    public static ReviewException NotFound(string what) => new(404, "Not found", $"{what} does not exist");

    public static ReviewException Invalid(string detail) => new(400, "Invalid request", detail);

    public static ReviewException Conflict(string detail) => new(409, "Conflict", detail);
}

/// <summary>The name belongs to another person already: the owner is asked whether these are the same person (a merge).</summary>
public sealed class NameTakenException(long existing, string name)
    : ReviewException(409, "Name taken", $"person {existing} is already called {name}: if this is the same person, merge into it (POST /api/people/{{id}}/merge)")
{
    public long Existing { get; } = existing;
    public string Name { get; } = name;
}
