using KeyPortal.Core.Users;
using KeyPortal.IdP.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.IdP.SignIn;

/// <summary>The passkey step of email-first sign-in; the ceremony runs in the browser. Anyone may call it.</summary>
[AllowAnonymous]
public sealed class PasskeyModel : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Email { get; set; }

    [BindProperty(SupportsGet = true)]
    public string ReturnUrl { get; set; } = "/";

    public IActionResult OnGet()
    {
        ReturnUrl = ReturnUrls.Safe(ReturnUrl);
        if (!EmailAddress.TryParse(Email, out var email))
        {
            return RedirectToPage("/SignIn/Index", new { ReturnUrl });
        }

        Email = email;
        return Page();
    }
}
