using Microsoft.Extensions.Options;
using TagWorker.Storage;
using TagWorker.WriteBack;

namespace TagWorker.Review;

/// <summary>
/// What the owner decides about writing: approvals, changes left as they are, and conflicts with other programs,
/// each checked first (404, 400); the writer is woken when there is something to write.
/// </summary>
public sealed class WriteBackActions(
    Database database,
    WriteSignal signal,
    WriteConflicts conflicts,
    IOptions<WriteBackOptions> writeBack,
    TimeProvider clock
)
{
    /// <summary>Approves pending changes (all, one person's, or one photo's) and wakes the writer.</summary>
    public int Approve(ApprovalScope scope)
    {
        using var connection = database.Open();
        if (
            scope.PersonId is { } person
            && connection.Scalar("SELECT 1 FROM people WHERE id = $id", null, ("$id", person)) is null
        )
        {
            throw ReviewException.NotFound($"person {person}");
        }
        if (
            scope.PhotoId is { } photo
            && connection.Scalar("SELECT 1 FROM photos WHERE id = $id", null, ("$id", photo)) is null
        )
        {
            throw ReviewException.NotFound($"photo {photo}");
        }
        var approved = Changes.Approve(connection, writeBack.Value, scope, clock.StoredNow());
        signal.Raise();
        return approved;
    }

    /// <summary>Drops one change from the write-back list: that person or label in that photo is left as it
    /// is.</summary>
    public void Hold(long photoId, string? subject)
    {
        using var connection = database.Open();
        if (
            string.IsNullOrEmpty(subject)
            || !Changes.Hold(connection, writeBack.Value, photoId, subject, clock.StoredNow())
        )
        {
            throw ReviewException.NotFound($"pending change '{subject}' of photo {photoId}");
        }
    }

    /// <summary>Puts a dropped change back on the write-back list.</summary>
    public void Release(long photoId, string? subject)
    {
        using var connection = database.Open();
        if (string.IsNullOrEmpty(subject) || !Changes.Release(connection, photoId, subject))
        {
            throw ReviewException.NotFound($"dropped change '{subject}' of photo {photoId}");
        }
    }

    /// <summary>Settles a write-back conflict: "ours" writes TagWorker's values into the file again (soon), "theirs"
    /// keeps the file as it is.</summary>
    public void SettleConflict(long id, string? resolution)
    {
        if (resolution is not ("ours" or "theirs"))
        {
            throw ReviewException.Invalid(
                "resolution is 'ours' (write TagWorker's values again) or 'theirs' (keep the file as the other program left it)"
            );
        }
        if (!conflicts.Settle(id, resolution))
        {
            throw ReviewException.NotFound($"open conflict {id}");
        }
        if (resolution == "ours")
        {
            signal.Raise();
        }
    }
}
