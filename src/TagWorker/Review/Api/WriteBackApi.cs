using TagWorker.WriteBack;

namespace TagWorker.Review;

/// <summary>The API's write-back: what waits, approvals, held changes, writes, undo and conflicts.</summary>
internal static class WriteBackApi
{
    /// <summary>Write-back: pending changes, approvals, holds, history, conflicts.</summary>
    public static void Map(RouteGroupBuilder api)
    {
        var writes = api.MapGroup("/writeback").WithTags("Write-back");
        writes
            .MapGet("/pending", (WriteBackReads store, long? person, int? page, int? size) =>
                store.PendingWrites(person, page, size)
            )
            .WithSummary("Photos whose metadata would change, with each change (approved or not)");
        writes
            .MapPost("/approve", (WriteBackActions actions, ApproveRequest body) =>
            {
                if (!body.All && body.PersonId is null && body.PhotoId is null && !body.PeopleOnly)
                {
                    throw ReviewException.Invalid("say what to approve: all, people_only, person_id or photo_id");
                }
                return new Done(
                    "approved",
                    Count: actions.Approve(new ApprovalScope(body.PersonId, body.PhotoId, body.PeopleOnly))
                );
            })
            .WithSummary("Approve pending changes: all, names only (people_only), one person's or one photo's");
        writes
            .MapPost("/hold", (WriteBackActions actions, HoldRequest body) =>
            {
                actions.Hold(body.PhotoId, body.Subject);
                return new Done("left as it is", body.PhotoId);
            })
            .WithSummary(
                "Drop one pending change (subject 'person:ID' or 'object:LABEL' of photo_id): that photo's keywords for it are left as they are"
            );
        writes
            .MapPost("/release", (WriteBackActions actions, HoldRequest body) =>
            {
                actions.Release(body.PhotoId, body.Subject);
                return new Done("back on the list", body.PhotoId);
            })
            .WithSummary("Put a dropped change back on the write-back list");
        writes
            .MapGet("/holds", (WriteBackReads store, int? page, int? size) => store.Holds(page, size))
            .WithSummary("Changes dropped from the write-back list, newest first");
        writes
            .MapPost("/apply", async (MetadataWriter writer, bool? dryRun, CancellationToken cancellationToken) =>
                await writer.ApplyAsync(dryRun ?? false, cancellationToken)
            )
            .WithSummary("Write approved changes now (dry_run: only report)");
        writes
            .MapGet("/history", (WriteBackReads store, int? page, int? size) => store.Writes(page, size))
            .WithSummary("Writes, newest first");
        writes
            .MapGet("/history/{id:long}", (WriteBackReads store, long id) => store.Write(id))
            .WithSummary("One write");
        writes
            .MapPost(
                "/history/{id:long}/undo",
                async (MetadataWriter writer, WriteBackReads store, long id, CancellationToken cancellationToken) =>
                {
                    store.Write(id);
                    return await writer.UndoAsync([id], cancellationToken);
                }
            )
            .WithSummary("Undo a write: restore the file as it was");
        writes
            .MapPost("/audit", async (MetadataWriter writer, CancellationToken cancellationToken) =>
                new Done("audited", Count: await writer.AuditAsync(cancellationToken))
            )
            .WithSummary(
                "Look now for files another program changed since TagWorker wrote them (also done every AuditEveryMinutes); count: open conflicts"
            );
        writes
            .MapGet("/conflicts", (WriteConflicts conflicts) => conflicts.Open())
            .WithSummary(
                "Files where another program removed or brought back what TagWorker wrote; their writes wait for the owner"
            );
        writes
            .MapPost("/conflicts/{id:long}/settle", (WriteBackActions actions, long id, SettleRequest body) =>
            {
                actions.SettleConflict(id, body.Resolution);
                return new Done("settled", Id: id);
            })
            .WithSummary(
                "Settle a conflict: resolution 'ours' writes TagWorker's values again, 'theirs' keeps the file as it is"
            );
    }
}
