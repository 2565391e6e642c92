using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

public sealed class PeopleModel(PeopleReads people) : ReviewPageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    /// <summary>The people the owner hid, instead of the listed ones.</summary>
    [BindProperty(SupportsGet = true)]
    public bool Hidden { get; set; }

    public string PagerQuery =>
        (string.IsNullOrEmpty(Q) ? "" : $"q={Uri.EscapeDataString(Q)}&") + (Hidden ? "hidden=true&" : "");

    public Paged<PersonSummary> People { get; private set; } = null!;

    /// <summary>How many people are hidden (a link to them when listing the others).</summary>
    public long HiddenCount { get; private set; }

    public IActionResult OnGet() =>
        Show(() =>
        {
            People = people.People(Q, PageNumber, 48, Hidden);
            HiddenCount = Hidden ? People.Total : people.People(null, 1, 1, hidden: true).Total;
        });
}
