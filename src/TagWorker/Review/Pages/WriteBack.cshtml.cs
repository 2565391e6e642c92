using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using TagWorker.WriteBack;

namespace TagWorker.Review.Pages;

public sealed class WriteBackModel(
    PeopleReads people,
    WriteBackReads writes,
    WriteBackActions actions,
    MetadataWriter writer,
    WriteConflicts conflicts,
    WriteJournal journal,
    IOptions<WriteBackOptions> options
) : ReviewPageModel
{
    [BindProperty(SupportsGet = true)]
    public long? Person { get; set; }

    public string PagerQuery => Person is null ? "" : $"person={Person}&";

    public Paged<PendingPhoto> Pending { get; private set; } = null!;
    public Paged<WriteItem> History { get; private set; } = null!;
    public Paged<Hold> Held { get; private set; } = null!;
    public IReadOnlyList<PersonSummary> People { get; private set; } = [];
    public IReadOnlyList<Conflict> Conflicts { get; private set; } = [];
    public long EmbeddedLeftBehind { get; private set; }

    public string Target =>
        options.Value.Mode == WriteMode.Embedded
            ? "the photo files themselves (embedded XMP, with a backup)"
            : "XMP sidecars beside the photos (photo.jpg.xmp)";

    public IActionResult OnGet() =>
        Show(() =>
        {
            Pending = writes.PendingWrites(Person, PageNumber, 50);
            History = writes.Writes(1, 20);
            Held = writes.Holds(1, 50);
            People = people.People(null, 1, Paging.MaxPageSize).Items;
            Conflicts = conflicts.Open();
            EmbeddedLeftBehind = options.Value.Mode == WriteMode.Sidecar ? journal.EmbeddedLeftBehind() : 0;
        });

    public IActionResult OnPostSettle(long conflict, string resolution) =>
        Act(() =>
        {
            actions.SettleConflict(conflict, resolution);
            return resolution == "ours"
                ? "TagWorker's values will be written into that file again within a minute."
                : "The file is kept as the other program left it.";
        });

    public IActionResult OnPostHold(long photo, string subject) =>
        Act(() =>
        {
            actions.Hold(photo, subject);
            return "Left as it is in that photo: it is not written (see “Left as they are” below to write it after all).";
        });

    public IActionResult OnPostRelease(long photo, string subject) =>
        Act(() =>
        {
            actions.Release(photo, subject);
            return "Back on the list, to be approved like the others.";
        });

    public IActionResult OnPostApproveAll() => Act(() => $"Approved {actions.Approve(ApprovalScope.All)} changes.");

    public IActionResult OnPostApproveNames() =>
        Act(() =>
            $"Approved {actions.Approve(new ApprovalScope(PeopleOnly: true))} changes of names (object labels wait)."
        );

    public IActionResult OnPostApprovePerson(long person) =>
        Act(() => $"Approved {actions.Approve(new ApprovalScope(PersonId: person))} changes.");

    public IActionResult OnPostApprovePhoto(long photo) =>
        Act(() => $"Approved {actions.Approve(new ApprovalScope(PhotoId: photo))} changes.");

    public async Task<IActionResult> OnPostApplyAsync(CancellationToken cancellationToken)
    {
        await writer.AuditAsync(cancellationToken); // the owner is looking: changes by other programs show now, not in ten minutes
        var report = await writer.ApplyAsync(dryRun: false, cancellationToken);
        Message = $"{report.Written} files written, {report.Unchanged} unchanged, {report.Failed} failed.";
        if (report.Failed > 0)
        {
            Error = string.Join(
                "; ",
                report.Files.Where(f => f.State == "failed").Take(3).Select(f => $"{f.Path}: {f.Error}")
            );
        }
        return Redirect(Request.Path);
    }

    public async Task<IActionResult> OnPostUndoAsync(long write, CancellationToken cancellationToken)
    {
        var report = await writer.UndoAsync([write], cancellationToken);
        if (report.Failed > 0)
        {
            Error = string.Join("; ", report.Messages);
        }
        else
        {
            Message = string.Join("; ", report.Messages);
        }
        return Redirect(Request.Path);
    }
}
