namespace TagWorker.Review;

public sealed record NameRequest(string? Name);

public sealed record MergeRequest(long Into);

public sealed record FacesRequest(long[]? FaceIds, string? Reason = null, long? PersonId = null, string? Name = null);

public sealed record PhotosRequest(long[]? PhotoIds);

public sealed record AlbumRequest(string? Name, long[]? PhotoIds = null, string? FromSearch = null);

public sealed record CoverRequest(long FaceId);

public sealed record AnswerRequest(long[]? Yes, long[]? No);

public sealed record ApproveRequest(
    bool All = false,
    long? PersonId = null,
    long? PhotoId = null,
    bool PeopleOnly = false
);

public sealed record SettleRequest(string? Resolution);

public sealed record HoldRequest(long PhotoId, string? Subject);

public sealed record Done(string Result, long? Id = null, long? Count = null);

/// <summary>The JSON API: every action of the review site, under /api, described at /openapi/v1.json.</summary>
public static class ApiEndpoints
{
    public static IEndpointRouteBuilder MapApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api")
            .AddEndpointFilter(
                async (context, next) =>
                {
                    try
                    {
                        return await next(context);
                    }
                    catch (ReviewException e)
                    {
                        return Problems.From(e);
                    }
                }
            )
            .DescribeProblems();

        PeopleApi.MapPeople(api);
        FacesApi.Map(api);
        PeopleApi.MapDecisions(api);
        PhotosApi.MapPhotos(api);
        PhotosApi.MapFailed(api);
        PhotosApi.MapAlbums(api);
        LibraryApi.Map(api);
        WriteBackApi.Map(api);
        return app;
    }

    /// <summary>Serves a file the database named, and only if it lies inside the data folder.</summary>
    internal static IResult Image(string? relative, string dataDir, string what)
    {
        if (relative is null)
        {
            throw ReviewException.NotFound($"an image of {what}");
        }
        var root = Path.GetFullPath(dataDir) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(root, relative));
        if (!full.StartsWith(root, StringComparison.Ordinal) || !File.Exists(full))
        {
            throw ReviewException.NotFound($"an image of {what}");
        }
        return Results.File(full, "image/jpeg", enableRangeProcessing: false);
    }
}
