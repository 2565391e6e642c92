using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

public sealed class PeopleModel(ReviewStore store) : ReviewPageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    public string PagerQuery => string.IsNullOrEmpty(Q) ? "" : $"q={Uri.EscapeDataString(Q)}&";

    public Paged<PersonSummary> People { get; private set; } = null!;

    public IActionResult OnGet() => Show(() => People = store.People(Q, PageNumber, 48));
}
