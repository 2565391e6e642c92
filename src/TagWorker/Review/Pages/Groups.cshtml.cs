using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

public sealed class GroupsModel(ReviewStore store, ReviewActions actions) : ReviewPageModel
{
    public Paged<GroupSummary> Groups { get; private set; } = null!;

    public long Pending { get; private set; }

    public IActionResult OnGet() => Show(() =>
    {
        Groups = store.Groups(PageNumber, 24);
        Pending = store.PendingPhotos();
    });

    public IActionResult OnPostName(long id, string? name) => NamePerson(actions, id, name);

    public IActionResult OnPostIgnore(long id) => Act(() =>
    {
        actions.Ignore(id);
        return "Ignored the group.";
    });
}
