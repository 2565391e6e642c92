using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

public sealed class PersonModel(PeopleReads people, PhotoReads photos, ReviewActions actions) : ReviewPageModel
{
    [BindProperty(SupportsGet = true)]
    public long Id { get; set; }

    public PersonSummary Person { get; private set; } = null!;
    public Paged<FaceItem> Faces { get; private set; } = null!;
    public IReadOnlyList<PersonSummary> Others { get; private set; } = [];
    public Paged<PhotoSummary> Photos { get; private set; } = null!;

    /// <summary>Faces in no group likely to be this person: "Are these also Alice?".</summary>
    public IReadOnlyList<WaitingFace> Likely { get; private set; } = [];

    public IActionResult OnGet() =>
        Show(() =>
        {
            Person = people.Person(Id);
            Faces = people.FacesOf(Id, PageNumber, 60);
            Others = people.People(null, 1, Paging.MaxPageSize).Items.Where(p => p.Id != Id).ToArray();
            Photos = photos.Search(new SearchQuery([Id], true, null, null, null, null), 1, 12);
            Likely = people.LikelyFacesOf(Id, 12);
        });

    /// <summary>Ticked faces are this person; the others shown with them are not.</summary>
    public IActionResult OnPostAnswer(long[] yes, long[] shown) =>
        Act(() =>
        {
            var no = shown.Except(yes).ToArray();
            actions.Answer(Id, yes, no);
            return (yes.Length, no.Length) switch
            {
                (0, var n) => $"Noted: {n} {(n == 1 ? "face is" : "faces are")} not {people.Person(Id).Name}.",
                (var y, 0) => $"Added {y} {(y == 1 ? "face" : "faces")} to {people.Person(Id).Name}.",
                var (y, n) =>
                    $"Added {y} {(y == 1 ? "face" : "faces")} to {people.Person(Id).Name}; {n} noted as someone else.",
            };
        });

    public IActionResult OnPostCover(long face) =>
        Act(() =>
        {
            actions.SetCover(Id, face);
            return "This face now shows the person everywhere.";
        });

    public IActionResult OnPostName(string? name) => NamePerson(actions, Id, name);

    public IActionResult OnPostIgnore() =>
        Act(() =>
        {
            actions.Ignore(Id);
            return "Ignored this group.";
        });

    public IActionResult OnPostHide(bool hidden) =>
        Act(() =>
        {
            actions.Hide(Id, hidden);
            return hidden ? "Hidden from People; still recognised and written into photos." : "Listed in People again.";
        });

    public IActionResult OnPostAccept(long[] faceIds) =>
        Act(() =>
        {
            actions.Accept(faceIds);
            return $"Accepted {faceIds.Length} faces.";
        });

    public IActionResult OnPostReject(long[] faceIds) => RejectFaces(actions, faceIds, "not_a_face");

    public IActionResult OnPostStranger(long[] faceIds) => RejectFaces(actions, faceIds, "stranger");

    public IActionResult OnPostNotThis(long[] faceIds) =>
        Act(() =>
        {
            if (faceIds.Length == 0)
            {
                throw ReviewException.Invalid("select at least one face");
            }
            foreach (var face in faceIds)
            {
                actions.NotThisPerson(face);
            }
            return $"Took {faceIds.Length} faces out of this person.";
        });

    public IActionResult OnPostMove(long[] faceIds, string? moveTo) => MoveFaces(actions, faceIds, moveTo);
}
