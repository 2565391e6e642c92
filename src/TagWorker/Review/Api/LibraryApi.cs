using Microsoft.Extensions.Options;
using TagWorker.Library;

namespace TagWorker.Review;

/// <summary>The API's library: status, scans, retries.</summary>
internal static class LibraryApi
{
    /// <summary>The library's safety holds and kept photos.</summary>
    public static void Map(RouteGroupBuilder api)
    {
        var library = api.MapGroup("/library").WithTags("Library");
        library
            .MapGet("/hold", (LibrarySafety safety) =>
                safety.OpenHold() is { } hold ? Results.Ok(hold) : Results.NoContent()
            )
            .WithSummary(
                "Files gone at once and not yet removed (a moved or unmounted library?); 204 when there is none"
            );
        library
            .MapPost("/hold/{id:long}/confirm", (LibrarySafety safety, long id) =>
                safety.Confirm(id)
                    ? new Done("confirmed: the next full pass removes them", id)
                    : throw ReviewException.NotFound($"open hold {id}")
            )
            .WithSummary("The files are really gone: let the next pass remove them");
        library
            .MapGet("/kept", (LibrarySafety safety, IOptions<LibraryOptions> options) =>
                new Done(
                    "removed photos kept for the owner's decisions",
                    Count: safety.KeptForDecisions(options.Value.RemovedGraceDays)
                )
            )
            .WithSummary("Removed photos past the grace period, kept because they hold confirmed or rejected faces");
        library
            .MapPost("/kept/purge", (LibrarySafety safety, IOptions<LibraryOptions> options) =>
                new Done("purged", Count: safety.PurgeKept(options.Value.RemovedGraceDays))
            )
            .WithSummary("Let those photos go, with their faces and decisions");
    }
}
