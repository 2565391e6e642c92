using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

/// <summary>Faces in no group: the ones most like a named person first, each a one-click question; the rest to assign
/// in bulk.</summary>
public sealed class WaitingModel(PeopleReads people, ReviewActions actions) : ReviewPageModel
{
    public Paged<WaitingFace> Faces { get; private set; } = null!;
    public IReadOnlyList<PersonSummary> Named { get; private set; } = [];

    public IActionResult OnGet() =>
        Show(() =>
        {
            Faces = people.WaitingFaces(PageNumber, 60);
            Named = people.People(null, 1, Paging.MaxPageSize).Items;
        });

    public IActionResult OnPostYes(long faceId, long personId) =>
        Act(() =>
        {
            actions.Move([faceId], personId, null);
            return $"Put the face with {people.Person(personId).Name}.";
        });

    public IActionResult OnPostMove(long[] faceIds, string? moveTo) => MoveFaces(actions, faceIds, moveTo);

    public IActionResult OnPostReject(long[] faceIds) => RejectFaces(actions, faceIds, "not_a_face");

    public IActionResult OnPostStranger(long[] faceIds) => RejectFaces(actions, faceIds, "stranger");
}
