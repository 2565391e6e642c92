using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

/// <summary>"Are these the same person?": both people's faces side by side before a merge, as Immich asks.</summary>
public sealed class MergeModel(PeopleReads people, ReviewActions actions) : ReviewPageModel
{
    public const int Shown = 12;

    [BindProperty(SupportsGet = true)]
    public long From { get; set; }

    [BindProperty(SupportsGet = true)]
    public long Into { get; set; }

    public PersonSummary Source { get; private set; } = null!;
    public PersonSummary Target { get; private set; } = null!;
    public IReadOnlyList<FaceItem> SourceFaces { get; private set; } = [];
    public IReadOnlyList<FaceItem> TargetFaces { get; private set; } = [];

    public IActionResult OnGet() =>
        Show(() =>
        {
            if (From == Into)
            {
                throw ReviewException.Invalid("a person cannot be merged into itself");
            }
            Source = people.Person(From);
            Target = people.Person(Into);
            SourceFaces = people.FacesOf(From, 1, Shown).Items;
            TargetFaces = people.FacesOf(Into, 1, Shown).Items;
        });

    public IActionResult OnPost() =>
        Act(
            () =>
            {
                var name = people.Person(Into).Name;
                var faces = people.Person(From).Faces;
                actions.Merge(From, Into);
                return $"Put {faces} faces into {name ?? $"group {Into}"}.";
            },
            $"/person/{Into}"
        );
}
