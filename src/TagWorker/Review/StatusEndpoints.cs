using Microsoft.Extensions.Options;
using TagWorker.Library;
using TagWorker.Pipeline;
using TagWorker.Storage;

namespace TagWorker.Review;

public static class StatusEndpoints
{
    /// <param name="Activity">What the worker is doing, in words ("Analysing: 1,234 of 5,000 photos, about 4 min
    /// left.").</param>
    public sealed record Status(
        LibraryCounts Counts,
        DateTimeOffset? LastScanAt,
        ScanResult? LastScan,
        DateTimeOffset? NextScanAt,
        bool Scanning,
        bool Watcher,
        long QueueLength,
        PipelineStatus? Pipeline,
        string Activity
    );

    /// <param name="ModelsLoaded">False while idle: the models were released and load again with the next
    /// photo.</param>
    public sealed record PipelineStatus(
        long Analyzed,
        long Failed,
        long Faces,
        double PerMinute,
        string? Current,
        double? MinutesLeft,
        bool ModelsLoaded
    );

    /// <summary>The status as <c>/api/status</c> and the dashboard show it.</summary>
    public sealed class Reader(
        Database database,
        ScanState state,
        LibraryWatcher watcher,
        TimeProvider clock,
        PipelineStats stats,
        Lazy<PhotoAnalyzer> analyzer,
        IOptions<PipelineOptions> pipelineOptions
    )
    {
        public Status Read()
        {
            using var connection = database.Open();
            var counts = LibraryCounts.Read(connection);
            var pending = counts.Photos["pending"];
            PipelineStatus? pipeline = null;
            if (pipelineOptions.Value.Enabled)
            {
                var rate = stats.PerMinute(clock.GetUtcNow());
                pipeline = new PipelineStatus(
                    stats.Analyzed,
                    stats.Failed,
                    stats.Faces,
                    rate,
                    stats.Current,
                    rate > 0 ? Math.Round(pending / rate, 1) : null,
                    analyzer.Value.Loaded
                );
            }
            return new Status(
                counts,
                state.LastScanAt,
                state.LastResult,
                state.NextFullScanAt,
                state.Scanning,
                state.WatcherActive,
                pending + watcher.Pending,
                pipeline,
                Activity(counts, pipeline, state.Scanning)
            );
        }

        /// <summary>Why photos cannot be analysed (a model missing or unreadable) while the models are not loaded; null
        /// when fine.</summary>
        public string? Broken => stats.Broken is { } broken && !analyzer.Value.Loaded ? broken : null;
    }

    private static string Activity(LibraryCounts counts, PipelineStatus? pipeline, bool scanning)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var pending = counts.Photos["pending"];
        if (pending == 0)
        {
            return scanning ? "Looking for new and changed photos." : "Idle: every photo is analysed.";
        }
        if (pipeline is null)
        {
            return string.Format(culture, "{0:N0} photos wait for analysis (analysis is off).", pending);
        }
        var total = counts.Photos["pending"] + counts.Photos["analyzed"] + counts.Photos["failed"];
        var left =
            pipeline.PerMinute <= 0 ? "starting"
            : pending / pipeline.PerMinute is var minutes && minutes < 1 ? "less than a minute left"
            : minutes < 90 ? string.Format(culture, "about {0:0} min left", Math.Ceiling(minutes))
            : string.Format(culture, "about {0:0.#} hours left", minutes / 60);
        return string.Format(culture, "Analysing: {0:N0} of {1:N0} photos, {2}.", total - pending, total, left);
    }

    public static IEndpointRouteBuilder MapStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (Database database, Reader status) =>
            {
                try
                {
                    using var connection = database.Open();
                    connection.Scalar("SELECT 1");
                    if (status.Broken is { } broken)
                    {
                        return Results.Problem(
                            broken,
                            statusCode: StatusCodes.Status503ServiceUnavailable,
                            title: "cannot analyse photos"
                        );
                    }
                    return Results.Ok(new { status = "ok" });
                }
                catch (Exception e)
                    when (e is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
                {
                    return Results.Problem(
                        e.Message,
                        statusCode: StatusCodes.Status503ServiceUnavailable,
                        title: "database unreachable"
                    );
                }
            })
            .AllowAnonymous()
            .WithTags("Status")
            .WithSummary(
                "Health: the database answers and the models can be loaded (the only endpoint without the token)"
            );

        app.MapGet("/api/status", (Reader status) => TypedResults.Json(status.Read(), Hosting.Json.Options))
            .WithTags("Status")
            .WithSummary("Photos and files by state, scanning, analysis rate and time left");
        return app;
    }
}
