using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

/// <summary>Faces in no group: the ones most like a named person first, each a one-click question; the rest to assign in bulk.</summary>
public sealed class WaitingModel(ReviewStore store, ReviewActions actions) : ReviewPageModel
{
    public Paged<WaitingFace> Faces { get; private set; } = null!;
    public IReadOnlyList<PersonSummary> Named { get; private set; } = [];

    public IActionResult OnGet() => Show(() =>
    {
        Faces = store.WaitingFaces(PageNumber, 60);
        Named = store.People(null, 1, ReviewStore.MaxPageSize).Items;
    });

    public IActionResult OnPostYes(long faceId, long personId) => Act(() =>
    {
        actions.Move([faceId], personId, null);
        return $"Put the face with {store.Person(personId).Name}.";
    });

    public IActionResult OnPostMove(long[] faceIds, string? moveTo) => Act(() =>
    {
        var target = actions.Move(faceIds, null, moveTo);
        return $"Put {faceIds.Length} faces with {store.Person(target).Name}.";
    });

    public IActionResult OnPostReject(long[] faceIds) => Act(() =>
    {
        actions.Reject(faceIds, "not_a_face");
        return $"Marked {faceIds.Length} as not a face.";
    });

    public IActionResult OnPostStranger(long[] faceIds) => Act(() =>
    {
        actions.Reject(faceIds, "stranger");
        return $"Marked {faceIds.Length} faces as strangers (not shown again, never written).";
    });
}
