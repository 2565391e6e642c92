namespace TagWorker.Review;

/// <summary>A request the review site or API cannot carry out, with the HTTP status it maps to.</summary>
public class ReviewException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;

    public static ReviewException NotFound(string what) => new(404, "Not found", $"{what} does not exist");

    public static ReviewException Invalid(string detail) => new(400, "Invalid request", detail);

    public static ReviewException Conflict(string detail) => new(409, "Conflict", detail);
}

/// <summary>The name belongs to another person already: the owner is asked whether these are the same person (a
/// merge).</summary>
public sealed class NameTakenException(long existing, string name)
    : ReviewException(
        409,
        "Name taken",
        $"person {existing} is already called {name}: if this is the same person, merge into it (POST /api/people/{{id}}/merge)"
    )
{
    public long Existing { get; } = existing;
    public string Name { get; } = name;
}

/// <summary>Undoing a decision would also undo later ones that changed the same faces or people: the owner is asked
/// first.</summary>
public sealed class LaterDecisionsException(int later)
    : ReviewException(
        409,
        "Conflict",
        $"{later} later {(later == 1 ? "decision changed" : "decisions changed")} the same faces or people; "
            + "undo them with it (withLater=true) or undo them first"
    )
{
    public int Later { get; } = later;
}
