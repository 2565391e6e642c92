using System.Globalization;
using Microsoft.Extensions.Options;
using TagWorker.Library;
using TagWorker.Storage;
using TagWorker.WriteBack;

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

        MapPeople(api);
        MapFaces(api);
        MapDecisions(api);
        MapPhotos(api);
        MapFailed(api);
        MapAlbums(api);
        MapLibrary(api);
        MapWriteBack(api);
        return app;
    }

    /// <summary>People: list, name, merge, hide, ignore; the unnamed groups.</summary>
    private static void MapPeople(RouteGroupBuilder api)
    {
        var people = api.MapGroup("/people").WithTags("People");
        people
            .MapGet("/", (PeopleReads store, string? q, int? page, int? size, bool? hidden) =>
                store.People(q, page, size, hidden)
            )
            .WithSummary("Named people, by name; q searches names; hidden=true the hidden ones, false the listed ones");
        people
            .MapGet("/{id:long}", (PeopleReads store, long id) => store.Person(id))
            .WithSummary("One person or group");
        people
            .MapGet("/{id:long}/faces", (PeopleReads store, long id, int? page, int? size) =>
                store.FacesOf(id, page, size)
            )
            .WithSummary("A person's faces, unconfirmed first");
        people
            .MapPost("/{id:long}/name", (ReviewActions actions, long id, NameRequest body) =>
            {
                actions.Name(id, body.Name);
                return new Done("named", id);
            })
            .WithSummary("Name a group (confirming its faces) or rename a person");
        people
            .MapPost("/{id:long}/merge", (ReviewActions actions, long id, MergeRequest body) =>
            {
                actions.Merge(id, body.Into);
                return new Done("merged", body.Into);
            })
            .WithSummary("Merge this person into another");
        people
            .MapPost("/{id:long}/cover", (ReviewActions actions, long id, CoverRequest body) =>
            {
                actions.SetCover(id, body.FaceId);
                return new Done("cover chosen", id);
            })
            .WithSummary("Show this person by one of their faces");
        people
            .MapGet("/{id:long}/likely-faces", (PeopleReads store, long id, int? size) =>
                store.LikelyFacesOf(id, size ?? 12)
            )
            .WithSummary(
                "Faces in no group that are likely this named person (\"Are these also Alice?\"), most alike first"
            );
        people
            .MapPost("/{id:long}/likely-faces", (ReviewActions actions, long id, AnswerRequest body) =>
            {
                actions.Answer(id, body.Yes ?? [], body.No ?? []);
                return new Done("answered", id, (body.Yes?.Length ?? 0) + (body.No?.Length ?? 0));
            })
            .WithSummary(
                "Answer \"Are these also Alice?\": yes faces join the person, no faces are never suggested for them again"
            );
        people
            .MapGet("/ignored", (PeopleReads store, int? page, int? size) => store.Ignored(page, size))
            .WithSummary("Ignored groups, largest first");
        people
            .MapPost("/{id:long}/show-again", (ReviewActions actions, long id) =>
            {
                actions.ShowAgain(id);
                return new Done("shown again", id);
            })
            .WithSummary("Offer an ignored group again");
        people
            .MapPost("/{id:long}/hide", (ReviewActions actions, long id) =>
            {
                actions.Hide(id, true);
                return new Done("hidden", id);
            })
            .WithSummary("Hide a named person from the People list (still recognised and written)");
        people
            .MapPost("/{id:long}/unhide", (ReviewActions actions, long id) =>
            {
                actions.Hide(id, false);
                return new Done("listed", id);
            })
            .WithSummary("List a hidden person in People again");
        people
            .MapPost("/{id:long}/ignore", (ReviewActions actions, long id) =>
            {
                actions.Ignore(id);
                return new Done("ignored", id);
            })
            .WithSummary("Ignore a group: it is not offered again");

        api.MapGet("/groups", (PeopleReads store, int? page, int? size) => store.Groups(page, size))
            .WithTags("People")
            .WithSummary("Unnamed groups, largest first, with suggestions");
    }

    /// <summary>Faces: the waiting queue, accept, reject, move, bring back.</summary>
    private static void MapFaces(RouteGroupBuilder api)
    {
        var faces = api.MapGroup("/faces").WithTags("Faces");
        faces
            .MapGet("/waiting", (PeopleReads store, int? page, int? size) => store.WaitingFaces(page, size))
            .WithSummary(
                "Faces in no group, most like a named person first, each with that person (likely: worth asking)"
            );
        faces.MapGet("/{id:long}", (PeopleReads store, long id) => store.Face(id)).WithSummary("One face");
        faces
            .MapGet("/{id:long}/thumbnail", (PhotoReads store, IOptions<StorageOptions> storage, long id) =>
                Image(store.ImagePath("face", id), storage.Value.Dir, $"face {id}")
            )
            .WithSummary("The face's thumbnail (JPEG)");
        faces
            .MapGet("/{id:long}/similar", (PeopleReads store, long id, int? limit) =>
            {
                var (found, similarPeople) = store.Similar(id, limit ?? 30);
                return new { faces = found, people = similarPeople.Take(5) };
            })
            .WithSummary("The faces and people most like this face");
        faces
            .MapPost("/bring-back", (ReviewActions actions, FacesRequest body) =>
            {
                actions.BringBack(body.FaceIds ?? []);
                return new Done("brought back", Count: body.FaceIds!.Length);
            })
            .WithSummary("Faces marked not a face or stranger by mistake become faces again (in no group)");
        faces
            .MapPost("/accept", (ReviewActions actions, FacesRequest body) =>
            {
                actions.Accept(body.FaceIds ?? []);
                return new Done("accepted", Count: body.FaceIds!.Length);
            })
            .WithSummary("Confirm faces with the person they are with");
        faces
            .MapPost("/reject", (ReviewActions actions, FacesRequest body) =>
            {
                actions.Reject(body.FaceIds ?? [], body.Reason);
                return new Done("rejected", Count: body.FaceIds!.Length);
            })
            .WithSummary("Reject faces: reason not_a_face (default) or stranger");
        faces
            .MapPost("/move", (ReviewActions actions, FacesRequest body) =>
            {
                var person = actions.Move(body.FaceIds ?? [], body.PersonId, body.Name);
                return new Done("moved", person, body.FaceIds!.Length);
            })
            .WithSummary("Move faces to a person (person_id) or a name (existing or new)");
        faces
            .MapPost("/{id:long}/not-this-person", (ReviewActions actions, long id) =>
            {
                actions.NotThisPerson(id);
                return new Done("removed from person", id);
            })
            .WithSummary("This face is not the person it is with");
    }

    /// <summary>The decision history and its undo.</summary>
    private static void MapDecisions(RouteGroupBuilder api)
    {
        var decisions = api.MapGroup("/decisions").WithTags("Decisions");
        decisions
            .MapGet("/", (PeopleReads store, int? page, int? size) => store.Decisions(page, size))
            .WithSummary("Decisions, newest first");
        decisions
            .MapPost("/undo", (ReviewActions actions) =>
                actions.UndoLastDecision()
                    ? Results.Ok(new Done("undone"))
                    : Problems.From(ReviewException.Conflict("there is no decision left to undo"))
            )
            .WithSummary("Undo the last decision");
        decisions
            .MapGet("/{id:long}/undo", (ReviewActions actions, PeopleReads store, long id) =>
                store.DecisionsById(actions.UndoPlan(id))
            )
            .WithSummary(
                "What undoing this decision would undo: it, and the later decisions that changed the same faces or people"
            );
        decisions
            .MapPost("/{id:long}/undo", (ReviewActions actions, long id, bool? withLater) =>
                new Done("undone", Count: actions.Undo(id, withLater ?? false).Count)
            )
            .WithSummary(
                "Undo one decision; withLater=true also undoes the later decisions that changed the same faces or people"
            );
    }

    /// <summary>Photos, their images, search and labels.</summary>
    private static void MapPhotos(RouteGroupBuilder api)
    {
        var photos = api.MapGroup("/photos").WithTags("Photos");
        photos
            .MapGet("/{id:long}", (PhotoReads store, long id) => store.Photo(id))
            .WithSummary("A photo: paths, faces, objects, metadata state");
        photos
            .MapGet("/{id:long}/preview", (PhotoReads store, IOptions<StorageOptions> storage, long id) =>
                Image(store.ImagePath("photo", id), storage.Value.Dir, $"photo {id}")
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
                        return Image(store.ImagePath("photo", id), storage.Value.Dir, $"photo {id}"); // the file is gone or unreadable: the preview
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
                ) => store.Search(ParseSearch(people, match, @object, from, to, folder), page, size)
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
    private static void MapFailed(RouteGroupBuilder api)
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
    private static void MapAlbums(RouteGroupBuilder api)
    {
        var albums = api.MapGroup("/albums").WithTags("Albums");
        albums.MapGet("/", (PhotoReads store, int? page, int? size) => store.Albums(page, size)).WithSummary("Albums");
        albums
            .MapPost("/", (AlbumActions actions, PhotoReads store, AlbumRequest body) =>
            {
                var ids = body.FromSearch is { Length: > 0 } search
                    ? store.SearchIds(ParseQueryString(search))
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

    /// <summary>The library's safety holds and kept photos.</summary>
    private static void MapLibrary(RouteGroupBuilder api)
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

    /// <summary>Write-back: pending changes, approvals, holds, history, conflicts.</summary>
    private static void MapWriteBack(RouteGroupBuilder api)
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

    public static SearchQuery ParseSearch(
        string? people,
        string? match,
        string? label,
        string? from,
        string? to,
        string? folder
    )
    {
        var ids = new List<long>();
        foreach (
            var part in (people ?? "").Split(
                ',',
                StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
            )
        )
        {
            ids.Add(
                long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                    ? id
                    : throw ReviewException.Invalid($"people lists person ids; '{part}' is not one")
            );
        }
        var all = match switch
        {
            null or "" or "all" => true,
            "any" => false,
            _ => throw ReviewException.Invalid("match is all or any"),
        };
        var (start, end) = (Date(from, "from"), Date(to, "to"));
        if (start > end)
        {
            throw ReviewException.Invalid(
                $"from ({start:yyyy-MM-dd}) is after to ({end:yyyy-MM-dd}): no photo can match"
            );
        }
        return new SearchQuery(
            ids,
            all,
            string.IsNullOrWhiteSpace(label) ? null : label.Trim(),
            start,
            end,
            string.IsNullOrWhiteSpace(folder) ? null : folder
        );
    }

    /// <summary>A search written as a query string ("people=1,2&amp;object=dog"), as the search page links to
    /// it.</summary>
    public static SearchQuery ParseQueryString(string query)
    {
        var values = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(
            query.StartsWith('?') ? query : "?" + query
        );
        string? Get(string key) => values.TryGetValue(key, out var v) ? v.ToString() : null;
        return ParseSearch(Get("people"), Get("match"), Get("object"), Get("from"), Get("to"), Get("folder"));
    }

    private static DateOnly? Date(string? text, string name) =>
        string.IsNullOrWhiteSpace(text) ? null
        : DateOnly.TryParseExact(
            text.Trim(),
            "yyyy-MM-dd",
            CultureInfo.InvariantCulture,
            DateTimeStyles.None,
            out var date
        )
            ? date
        : throw ReviewException.Invalid($"{name} is a date as yyyy-MM-dd");

    /// <summary>Serves a file the database named, and only if it lies inside the data folder.</summary>
    private static IResult Image(string? relative, string dataDir, string what)
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
