using KeyPortal.IdP.Sessions;
using KeyPortal.IdP.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.IdP.SignOut;

/// <summary>Ends the IdP session (and with it Portal and Admin sessions, which check it on every request).</summary>
[AllowAnonymous]
public sealed class IndexModel(SessionService sessions) : PageModel
{
    /// <summary>The end-session request that asked for this confirmation, resumed once signed out.</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await sessions.EndAsync(HttpContext, "signed out");
        // Back to /connect/endsession (now with no session): it sends the browser to the
        // client's registered post-logout address. Any other value is ignored.
        return ReturnUrl is { } back && back.StartsWith("/connect/endsession?", StringComparison.Ordinal) && ReturnUrls.Safe(back) == back
            ? LocalRedirect(back)
            : RedirectToPage("/SignOut/Done");
    }
}
