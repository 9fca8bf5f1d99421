using KeyPortal.IdP.Sessions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.IdP.Pages;

/// <summary>Ends the IdP session (and with it Portal and Admin sessions, which check it on every request).</summary>
[AllowAnonymous]
public sealed class SignOutModel(SessionService sessions) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await sessions.EndAsync(HttpContext, "signed out");
        return RedirectToPage("/SignOutDone");
    }
}
