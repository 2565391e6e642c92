using TagWorker.Library;

namespace TagWorker.Review.Pages;

public sealed class IndexModel(
    PeopleReads people,
    PhotoReads photos,
    WriteBackReads writes,
    LibrarySafety safety,
    Microsoft.Extensions.Options.IOptions<LibraryOptions> library,
    StatusEndpoints.Reader status,
    WriteBack.WriteConflicts conflicts
) : ReviewPageModel
{
    public RemovalHold? Hold { get; private set; }
    public long Kept { get; private set; }

    public StatusEndpoints.Status Status { get; private set; } = null!;
    public Paged<FailedItem> Failed { get; private set; } = null!;
    public Paged<WriteItem> Writes { get; private set; } = null!;
    public long People { get; private set; }
    public long Groups { get; private set; }
    public long PendingWrites { get; private set; }
    public int Conflicts { get; private set; }

    public void OnGet()
    {
        Status = status.Read();
        Failed = photos.Failed(1, 5);
        Writes = writes.Writes(1, 5);
        People = people.People(null, 1, 1).Total;
        Groups = people.GroupCount();
        PendingWrites = writes.PendingWrites(null, 1, 1).Total;
        Hold = safety.OpenHold();
        Kept = safety.KeptForDecisions(library.Value.RemovedGraceDays);
        Conflicts = conflicts.OpenCount();
    }

    public Microsoft.AspNetCore.Mvc.IActionResult OnPostConfirmRemoval(long id) =>
        Act(() =>
            safety.Confirm(id)
                ? "Confirmed: the next full pass removes them."
                : throw ReviewException.NotFound($"open hold {id}")
        );

    public Microsoft.AspNetCore.Mvc.IActionResult OnPostPurgeKept() =>
        Act(() => $"Purged {safety.PurgeKept(library.Value.RemovedGraceDays)} photos and their faces.");
}
