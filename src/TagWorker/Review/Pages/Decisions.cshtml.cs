using Microsoft.AspNetCore.Mvc;

namespace TagWorker.Review.Pages;

public sealed class DecisionsModel(PeopleReads people, ReviewActions actions) : ReviewPageModel
{
    public Paged<DecisionItem> Decisions { get; private set; } = null!;

    /// <summary>The decision the owner asked to undo, when later ones would go with it: shown for a
    /// confirmation.</summary>
    [BindProperty(SupportsGet = true)]
    public long? Confirm { get; set; }

    /// <summary>Decisions an undo of <see cref="Confirm"/> takes with it, oldest first (itself first).</summary>
    public IReadOnlyList<DecisionItem> Plan { get; private set; } = [];

    public IActionResult OnGet() =>
        Show(() =>
        {
            Decisions = people.Decisions(PageNumber, 50);
            if (Confirm is { } id)
            {
                Plan = people.DecisionsById(actions.UndoPlan(id));
            }
        });

    public IActionResult OnPostUndo() =>
        Act(() => actions.UndoLastDecision() ? "Undid the last decision." : "There is nothing left to undo.");

    /// <summary>Undoes one row; when later decisions changed the same faces or people, asks first, listing
    /// them.</summary>
    public IActionResult OnPostUndoOne(long id, bool withLater)
    {
        try
        {
            var undone = actions.Undo(id, withLater).Count;
            Message = undone == 1 ? "Undone." : $"Undid {undone} decisions.";
        }
        catch (LaterDecisionsException)
        {
            return LocalRedirect($"/decisions?confirm={id}&page={PageNumber}");
        }
        catch (ReviewException e)
        {
            Error = e.Message;
        }
        return LocalRedirect($"/decisions?page={PageNumber}");
    }
}
