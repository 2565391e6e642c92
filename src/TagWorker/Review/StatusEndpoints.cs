using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TagWorker.Library;
using TagWorker.Storage;

namespace TagWorker.Review;

public static class StatusEndpoints
{
    public sealed record Status(
        LibraryCounts Counts, DateTimeOffset? LastScanAt, ScanResult? LastScan, DateTimeOffset? NextScanAt,
        bool Scanning, bool Watcher, long QueueLength);

    public static IEndpointRouteBuilder MapStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (Database database) =>
        {
            try
            {
                using var connection = database.Open();
                connection.Scalar("SELECT 1");
                return Results.Ok(new { status = "ok" });
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "database unreachable");
            }
        });

        app.MapGet("/api/status", (Database database, ScanState state, LibraryWatcher watcher) =>
        {
            using var connection = database.Open();
            var counts = LibraryCounts.Read(connection);
            return TypedResults.Json(new Status(counts, state.LastScanAt, state.LastResult, state.NextFullScanAt, state.Scanning,
                state.WatcherActive, counts.Photos["pending"] + watcher.Pending), Hosting.Json.Options);
        });
        return app;
    }
}
