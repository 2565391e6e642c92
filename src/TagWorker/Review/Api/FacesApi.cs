using Microsoft.Extensions.Options;
using TagWorker.Storage;

namespace TagWorker.Review;

/// <summary>The API's faces: the waiting queue, accept, reject, move, bring back, similar faces.</summary>
internal static class FacesApi
{
    /// <summary>Faces: the waiting queue, accept, reject, move, bring back.</summary>
    public static void Map(RouteGroupBuilder api)
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
                ApiEndpoints.Image(store.ImagePath("face", id), storage.Value.Dir, $"face {id}")
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
}
