using TagWorker.Faces;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.Review;

/// <summary>
/// Every change the owner makes to who is who (names, faces, merges, hiding, undo) and retries of failed files, checked
/// first (a missing person or face is a 404, a bad name a 400), then carried out by the decision log. Albums are
/// <see cref="AlbumActions"/>, approvals and conflicts <see cref="WriteBackActions"/>.
/// </summary>
public sealed class ReviewActions(
    Database database,
    Decisions decisions,
    ProfileCache profiles,
    Grouping grouping,
    LibraryWatcher watcher,
    LibraryChanges changes,
    TimeProvider clock
)
{
    public const int MaxNameLength = 200;
    public const int MaxBatch = 1000;

    /// <summary>Names an unnamed group (confirming its faces) or renames a person.</summary>
    public void Name(long personId, string? name)
    {
        var clean = CleanPersonName(name);
        var current = PersonName(personId);
        using (var connection = database.Open())
        {
            // Two people of one name would be one keyword in every photo tool: ask whether they are the same person.
            if (PersonNamed(connection, clean) is { } existing && existing.Id != personId)
            {
                throw new NameTakenException(existing.Id, existing.Name);
            }
        }
        if (current is null)
        {
            decisions.Name(personId, clean);
        }
        else
        {
            decisions.Rename(personId, clean);
        }
        Changed();
    }

    /// <summary>A person's faces changed: faces waiting in no group that now clearly belong to someone join within
    /// seconds.</summary>
    private void Changed()
    {
        grouping.RequestAssignment();
        profiles.Invalidate();
    }

    /// <summary>Shows a person by this face (one of theirs) on every list.</summary>
    public void SetCover(long personId, long faceId)
    {
        PersonName(personId);
        if (!decisions.SetCover(personId, faceId))
        {
            throw ReviewException.Invalid($"face {faceId} is not one of person {personId}'s faces");
        }
    }

    public void Merge(long fromId, long intoId)
    {
        PersonName(fromId);
        PersonName(intoId);
        if (fromId == intoId)
        {
            throw ReviewException.Invalid("a person cannot be merged into itself");
        }
        decisions.Merge(fromId, intoId);
        Changed();
    }

    public void Ignore(long personId)
    {
        PersonName(personId);
        decisions.Ignore(personId);
        profiles.Invalidate();
    }

    /// <summary>Hides a named person from the People list (an unnamed group is ignored instead), or lists them
    /// again.</summary>
    public void Hide(long personId, bool hidden)
    {
        if (PersonName(personId) is null)
        {
            throw ReviewException.Invalid("only a named person is hidden; an unnamed group is ignored instead");
        }
        decisions.Hide(personId, hidden);
    }

    public void ShowAgain(long personId)
    {
        PersonName(personId);
        decisions.ShowAgain(personId);
        profiles.Invalidate();
    }

    public void Accept(IReadOnlyList<long> faceIds)
    {
        CheckFaces(faceIds);
        decisions.Accept(faceIds);
    }

    public void Reject(IReadOnlyList<long> faceIds, string? reason)
    {
        CheckFaces(faceIds);
        var why = reason ?? "not_a_face";
        if (why is not ("not_a_face" or "stranger"))
        {
            throw ReviewException.Invalid("reason is not_a_face or stranger");
        }
        foreach (var face in faceIds)
        {
            decisions.Reject(face, why);
        }
        profiles.Invalidate();
    }

    /// <summary>Faces marked "not a face" or "stranger" by mistake become faces again (in no group).</summary>
    public void BringBack(IReadOnlyList<long> faceIds)
    {
        CheckFaces(faceIds);
        using (var connection = database.Open())
        {
            if (
                faceIds.FirstOrDefault(f =>
                    connection.Scalar("SELECT rejected FROM faces WHERE id = $f", null, ("$f", f)) is not string
                )
                is var notRejected
                    and > 0
            )
            {
                throw ReviewException.Invalid($"face {notRejected} is not rejected");
            }
        }
        foreach (var face in faceIds)
        {
            decisions.BringBack(face);
        }
        Changed();
    }

    /// <summary>Moves faces to a person (by id) or to a name: an existing named person, or a new one.</summary>
    public long Move(IReadOnlyList<long> faceIds, long? personId, string? name)
    {
        CheckFaces(faceIds);
        long target;
        if (personId is { } id)
        {
            PersonName(id);
            target = id;
            foreach (var face in faceIds)
            {
                decisions.Move(face, target);
            }
        }
        else
        {
            var clean = CleanPersonName(name);
            using var connection = database.Open();
            if (PersonNamed(connection, clean) is { } existing)
            {
                target = existing.Id;
                foreach (var face in faceIds)
                {
                    decisions.Move(face, target);
                }
            }
            else
            {
                target = decisions.Split(faceIds, clean);
            }
        }
        Changed();
        return target;
    }

    public void NotThisPerson(long faceId)
    {
        CheckFaces([faceId]);
        decisions.NotThisPerson(faceId);
        profiles.Invalidate();
    }

    /// <summary>
    /// The owner's answers to "Are these also {name}?": the faces said yes join the person (confirmed), the faces said
    /// no are never suggested for them again.
    /// </summary>
    public void Answer(long personId, IReadOnlyList<long> yes, IReadOnlyList<long> no)
    {
        if (yes.Count + no.Count == 0)
        {
            throw ReviewException.Invalid("answer for at least one face");
        }
        if (yes.Intersect(no).Any())
        {
            throw ReviewException.Invalid("a face cannot be both yes and no");
        }
        if (yes.Count > 0)
        {
            Move(yes, personId, null);
        }
        if (no.Count > 0)
        {
            CheckFaces(no);
            decisions.NotThem(no, personId);
            profiles.Invalidate();
        }
    }

    public bool UndoLastDecision()
    {
        var undone = decisions.UndoLast();
        Changed();
        return undone;
    }

    /// <summary>
    /// What undoing decision <paramref name="id"/> takes with it, oldest first: itself, and the later decisions that
    /// changed the same faces or people. 404 when there is no such decision, 409 when it is undone already.
    /// </summary>
    public IReadOnlyList<long> UndoPlan(long id) => Found(id, decisions.UndoPlan(id));

    /// <summary>
    /// Undoes one decision from the history. When later decisions changed the same faces or people they must be undone
    /// with it, and that happens only when the caller says so (<paramref name="withLater"/>), having shown them;
    /// otherwise nothing changes and <see cref="LaterDecisionsException"/> says how many.
    /// </summary>
    public IReadOnlyList<long> Undo(long id, bool withLater)
    {
        var plan = Found(id, decisions.Undo(id, atMost: withLater ? int.MaxValue : 1));
        if (plan.Count > 1 && !withLater)
        {
            throw new LaterDecisionsException(plan.Count - 1);
        }
        Changed();
        return plan;
    }

    private IReadOnlyList<long> Found(long id, IReadOnlyList<long> plan)
    {
        if (plan.Count == 0)
        {
            using var connection = database.Open();
            throw connection.Scalar("SELECT 1 FROM decisions WHERE id = $id", null, ("$id", id)) is null
                ? ReviewException.NotFound($"decision {id}")
                : ReviewException.Conflict($"decision {id} is undone already");
        }
        return plan;
    }

    /// <summary>Analyses a failed photo again, or reads a failed file again on the next pass.</summary>
    public void Retry(string kind, long id)
    {
        using var connection = database.Open();
        if (kind == "photo")
        {
            if (!Pipeline.PhotoStore.Retry(connection, id, clock.StoredNow()))
            {
                throw ReviewException.NotFound($"failed photo {id}");
            }
            changes.Raise(); // analysed again now, not on the pipeline's next look
        }
        else if (kind == "file")
        {
            var path = LibraryStore.ReadAgain(connection, id) ?? throw ReviewException.NotFound($"failed file {id}");
            watcher.Hint([path]);
        }
        else if (kind == "folder")
        {
            if (
                connection.Scalar("SELECT path FROM folder_failures WHERE id = $id", null, ("$id", id))
                is not string path
            )
            {
                throw ReviewException.NotFound($"unreadable folder {id}");
            }
            watcher.Hint([path]); // a pass over the folder: read now, or its reason updated
        }
        else
        {
            throw ReviewException.Invalid("kind is photo, file or folder");
        }
    }

    /// <summary>A person's name by the one rule every photo tool can read (<see cref="Faces.PersonName"/>).</summary>
    public static string CleanPersonName(string? name) =>
        Faces.PersonName.Problem(name) is { } problem ? throw ReviewException.Invalid(problem) : name!.Trim();

    public static string CleanName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0 || trimmed.Length > MaxNameLength)
        {
            throw ReviewException.Invalid($"a name has 1 to {MaxNameLength} characters");
        }
        if (trimmed.Any(char.IsControl))
        {
            throw ReviewException.Invalid("a name cannot contain control characters");
        }
        return trimmed;
    }

    /// <summary>The person with this name in any case ("sam carter" is "Sam Carter"), or null.</summary>
    private static (long Id, string Name)? PersonNamed(
        Microsoft.Data.Sqlite.SqliteConnection connection,
        string name
    ) =>
        connection
            .Rows("SELECT id, name FROM people WHERE name IS NOT NULL ORDER BY id", r =>
                (Id: r.GetInt64(0), Name: r.GetString(1))
            )
            .Where(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            .Select(p => ((long, string)?)p)
            .FirstOrDefault();

    /// <summary>The person's name (null for an unnamed group); 404 when there is no such person.</summary>
    private string? PersonName(long personId)
    {
        using var connection = database.Open();
        using var command = connection.Command("SELECT name FROM people WHERE id = $id", null, ("$id", personId));
        using var reader = command.ExecuteReader();
        return reader.Read() ? reader.GetNullableString(0) : throw ReviewException.NotFound($"person {personId}");
    }

    private void CheckFaces(IReadOnlyList<long> faceIds)
    {
        CheckBatch(faceIds, "face_ids");
        using var connection = database.Open();
        foreach (var face in faceIds)
        {
            if (connection.Scalar("SELECT 1 FROM faces WHERE id = $f", null, ("$f", face)) is null)
            {
                throw ReviewException.NotFound($"face {face}");
            }
        }
    }

    internal static void CheckBatch(IReadOnlyList<long>? ids, string name, bool allowLarge = false)
    {
        if (ids is null || ids.Count == 0)
        {
            throw ReviewException.Invalid($"{name} must list at least one id");
        }
        if (!allowLarge && ids.Count > MaxBatch)
        {
            throw ReviewException.Invalid($"{name} lists more than {MaxBatch} ids");
        }
    }
}
