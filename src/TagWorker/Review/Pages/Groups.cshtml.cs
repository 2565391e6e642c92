using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

public sealed class GroupsModel(PeopleReads people, PhotoReads photos, ReviewActions actions) : ReviewPageModel
{
    public Paged<GroupSummary> Groups { get; private set; } = null!;

    public long Pending { get; private set; }
    public Paged<PersonSummary> Ignored { get; private set; } = null!;

    public IActionResult OnGet() =>
        Show(() =>
        {
            Groups = people.Groups(PageNumber, 24);
            Pending = photos.PendingPhotos();
            Ignored = people.Ignored(1, 48);
        });

    public IActionResult OnPostShowAgain(long id) =>
        Act(() =>
        {
            actions.ShowAgain(id);
            return "The group is offered again.";
        });

    public IActionResult OnPostName(long id, string? name) => NamePerson(actions, id, name);

    public IActionResult OnPostIgnore(long id) =>
        Act(() =>
        {
            actions.Ignore(id);
            return "Ignored the group.";
        });
}
