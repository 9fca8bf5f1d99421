using KeyPortal.Core.Users;
using KeyPortal.IdP.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.SignIn;

/// <summary>Email-first sign-in. Anyone may call it.</summary>
[AllowAnonymous]
[EnableRateLimiting(SignInSetup.RateLimitPolicy)]
public sealed class IndexModel(IOptions<IdentityProviderOptions> options, TimeProvider clock) : PageModel
{
    [BindProperty]
    public string? Email { get; set; }

    [BindProperty(SupportsGet = true)]
    public string ReturnUrl { get; set; } = "/";

    public string? Error { get; private set; }

    public bool PasswordSignInOpen => options.Value.PasswordSignInCutoff is not { } cutoff || clock.GetUtcNow() < cutoff;

    public void OnGet() => ReturnUrl = ReturnUrls.Safe(ReturnUrl);

    public IActionResult OnPost()
    {
        ReturnUrl = ReturnUrls.Safe(ReturnUrl);
        if (!EmailAddress.TryParse(Email, out var email))
        {
            Error = "Enter your email address, such as name@example.com.";
            return Page();
        }

        // Every address goes on to the passkey step; whether it has an account is not revealed.
        // (Organizations with single sign-on will branch here to their identity provider.)
        return RedirectToPage("/SignIn/Passkey", new { email, ReturnUrl });
    }
}
