using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

public sealed class FailedModel(PhotoReads photos, ReviewActions actions) : ReviewPageModel
{
    public Paged<FailedItem> Failed { get; private set; } = null!;

    public IActionResult OnGet() => Show(() => Failed = photos.Failed(PageNumber, 50));

    public IActionResult OnPostRetry(string kind, long id) =>
        Act(() =>
        {
            actions.Retry(kind, id);
            return "Queued for another try.";
        });
}
