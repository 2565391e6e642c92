using Microsoft.Extensions.Options;
using TagWorker.Storage;

namespace TagWorker.Review;

/// <summary>The API's photos, search, failures and albums.</summary>
internal static class PhotosApi
{
    /// <summary>Photos, their images, search and labels.</summary>
    public static void MapPhotos(RouteGroupBuilder api)
    {
        var photos = api.MapGroup("/photos").WithTags("Photos");
        photos
            .MapGet("/{id:long}", (PhotoReads store, long id) => store.Photo(id))
            .WithSummary("A photo: paths, faces, objects, metadata state");
        photos
            .MapGet("/{id:long}/preview", (PhotoReads store, IOptions<StorageOptions> storage, long id) =>
                ApiEndpoints.Image(store.ImagePath("photo", id), storage.Value.Dir, $"photo {id}")
            )
            .WithSummary("The photo's preview (JPEG)");
        photos
            .MapGet(
                "/{id:long}/view",
                async (
                    PhotoViews views,
                    PhotoReads store,
                    IOptions<StorageOptions> storage,
                    HttpContext http,
                    long id,
                    CancellationToken cancellationToken
                ) =>
                {
                    if (
                        await views.RenderAsync(id, http.Request.Headers.IfNoneMatch.ToString(), cancellationToken)
                        is not { } view
                    )
                    {
                        return ApiEndpoints.Image(store.ImagePath("photo", id), storage.Value.Dir, $"photo {id}"); // the file is gone or unreadable: the preview
                    }
                    http.Response.Headers.ETag = view.ETag;
                    http.Response.Headers.CacheControl = "private, max-age=86400";
                    return view.Jpeg.Length == 0
                        ? Results.StatusCode(StatusCodes.Status304NotModified)
                        : Results.File(view.Jpeg, "image/jpeg");
                }
            )
            .WithSummary(
                "The photo large (ViewSize on the long side, JPEG), rendered from its file when asked; the preview when the file cannot be read"
            );
        api.MapGet(
                "/search",
                (
                    PhotoReads store,
                    string? people,
                    string? match,
                    string? @object,
                    string? from,
                    string? to,
                    string? folder,
                    int? page,
                    int? size
                ) => store.Search(SearchQuery.Parse(people, match, @object, from, to, folder), page, size)
            )
            .WithTags("Photos")
            .WithSummary(
                "Photos by people (comma-separated ids; match=all|any), object label, date taken (from/to yyyy-MM-dd) and folder"
            );
        api.MapGet("/labels", (PhotoReads store) => store.Labels())
            .WithTags("Photos")
            .WithSummary("Object labels with photo counts");
    }

    /// <summary>Failed photos, files and folders, and retries.</summary>
    public static void MapFailed(RouteGroupBuilder api)
    {
        var failed = api.MapGroup("/failed").WithTags("Status");
        failed
            .MapGet("/", (PhotoReads store, int? page, int? size) => store.Failed(page, size))
            .WithSummary("Failed photos and files with reasons");
        failed
            .MapPost("/{kind}/{id:long}/retry", (ReviewActions actions, string kind, long id) =>
            {
                actions.Retry(kind, id);
                return new Done("queued", id);
            })
            .WithSummary("Try a failed photo or file again");
    }

    /// <summary>Albums.</summary>
    public static void MapAlbums(RouteGroupBuilder api)
    {
        var albums = api.MapGroup("/albums").WithTags("Albums");
        albums.MapGet("/", (PhotoReads store, int? page, int? size) => store.Albums(page, size)).WithSummary("Albums");
        albums
            .MapPost("/", (AlbumActions actions, PhotoReads store, AlbumRequest body) =>
            {
                var ids = body.FromSearch is { Length: > 0 } search
                    ? store.SearchIds(SearchQuery.FromQueryString(search))
                    : body.PhotoIds;
                var id = actions.CreateAlbum(body.Name, ids);
                return Results.Created($"/api/albums/{id}", store.Album(id));
            })
            .WithSummary("Create an album, optionally with photo_ids or from_search (a search query string)");
        albums.MapGet("/{id:long}", (PhotoReads store, long id) => store.Album(id)).WithSummary("One album");
        albums
            .MapGet("/{id:long}/photos", (PhotoReads store, long id, int? page, int? size) =>
                store.AlbumPhotos(id, page, size)
            )
            .WithSummary("An album's photos");
        albums
            .MapPatch("/{id:long}", (AlbumActions actions, PhotoReads store, long id, NameRequest body) =>
            {
                actions.RenameAlbum(id, body.Name);
                return store.Album(id);
            })
            .WithSummary("Rename an album");
        albums
            .MapDelete("/{id:long}", (AlbumActions actions, long id) =>
            {
                actions.DeleteAlbum(id);
                return Results.NoContent();
            })
            .WithSummary("Delete an album (the photos stay)");
        albums
            .MapPost("/{id:long}/photos", (AlbumActions actions, long id, PhotosRequest body) =>
                new Done("added", id, actions.AddToAlbum(id, body.PhotoIds ?? []))
            )
            .WithSummary("Add photos to an album");
        albums
            .MapPost("/{id:long}/photos/remove", (AlbumActions actions, long id, PhotosRequest body) =>
                new Done("removed", id, actions.RemoveFromAlbum(id, body.PhotoIds ?? []))
            )
            .WithSummary("Remove photos from an album");
    }
}
