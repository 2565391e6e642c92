using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace TagWorker.Review.Pages;

/// <summary>What every review page shares: a page number from the query, and actions that report back with a
/// message.</summary>
public abstract class ReviewPageModel : PageModel
{
    [BindProperty(SupportsGet = true, Name = "page")]
    public int PageNumber { get; set; } = 1;

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? Error { get; set; }

    /// <summary>Runs an action; a refused one (not found, bad input) comes back as the page's error message, not an
    /// error page.</summary>
    protected IActionResult Act(Func<string> action, string? redirectTo = null)
    {
        try
        {
            Message = action();
        }
        catch (ReviewException e)
        {
            Error = e.Message;
        }
        return redirectTo is null ? Redirect(Request.Path + Request.QueryString) : LocalRedirect(redirectTo);
    }

    /// <summary>Rejects the selected faces: <c>not_a_face</c> or <c>stranger</c> (the person and waiting pages share
    /// it).</summary>
    protected IActionResult RejectFaces(ReviewActions actions, long[] faceIds, string reason) =>
        Act(() =>
        {
            actions.Reject(faceIds, reason);
            return reason == "stranger"
                ? $"Marked {faceIds.Length} faces as strangers (not shown again, never written)."
                : $"Rejected {faceIds.Length} faces (not a face).";
        });

    /// <summary>Puts the selected faces with a name: an existing person (in any case) or a new one.</summary>
    protected IActionResult MoveFaces(ReviewActions actions, long[] faceIds, string? name) =>
        Act(() =>
        {
            actions.Move(faceIds, null, name);
            return $"Put {faceIds.Length} faces with {ReviewActions.CleanName(name)}.";
        });

    /// <summary>Names a person or group; a name another person has already leads to "are these the same
    /// person?".</summary>
    protected IActionResult NamePerson(ReviewActions actions, long id, string? name)
    {
        try
        {
            actions.Name(id, name);
            Message = $"Saved the name {ReviewActions.CleanName(name)}.";
        }
        catch (NameTakenException taken)
        {
            Message = $"{taken.Name} exists already. Are these the same person?";
            return LocalRedirect($"/merge?from={id}&into={taken.Existing}");
        }
        catch (ReviewException e)
        {
            Error = e.Message;
        }
        return Redirect(Request.Path + Request.QueryString);
    }

    /// <summary>Reads a page of data; a missing item becomes a 404 page.</summary>
    protected IActionResult Show(Action load)
    {
        try
        {
            load();
            return Page();
        }
        catch (ReviewException e) when (e.Status == 404)
        {
            return NotFound();
        }
        catch (ReviewException e)
        {
            ViewData["Error"] = e.Message; // shown on this page, not carried to the next one
            return Page();
        }
    }
}
