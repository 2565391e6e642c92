using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

public sealed class DecisionsModel(ReviewStore store, ReviewActions actions) : ReviewPageModel
{
    public Paged<DecisionItem> Decisions { get; private set; } = null!;

    public IActionResult OnGet() => Show(() => Decisions = store.Decisions(PageNumber, 50));

    public IActionResult OnPostUndo() => Act(() => actions.UndoLastDecision() ? "Undid the last decision." : "There is nothing left to undo.");
}
