using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace TagWorker.Review.Pages;

/// <summary>Log out of this browser (the header's button), or out of every browser at once.</summary>
public sealed class LogoutModel(AccessToken token) : PageModel
{
    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(ReviewWeb.CookieScheme);
        return LocalRedirect("/login");
    }

    public async Task<IActionResult> OnPostEverywhereAsync()
    {
        token.EndAllSessions();
        await HttpContext.SignOutAsync(ReviewWeb.CookieScheme);
        return LocalRedirect("/login");
    }
}
