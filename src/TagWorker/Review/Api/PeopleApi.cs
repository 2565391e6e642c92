namespace TagWorker.Review;

/// <summary>The API's people and groups, and the history of decisions about them.</summary>
internal static class PeopleApi
{
    /// <summary>People: list, name, merge, hide, ignore; the unnamed groups.</summary>
    public static void MapPeople(RouteGroupBuilder api)
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

    /// <summary>The decision history and its undo.</summary>
    public static void MapDecisions(RouteGroupBuilder api)
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
}
