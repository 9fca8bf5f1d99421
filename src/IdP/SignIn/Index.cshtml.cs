using KeyPortal.Core.SingleSignOn;
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
public sealed class IndexModel(IOptions<IdentityProviderOptions> options, TimeProvider clock, SsoService sso) : PageModel
{
    [BindProperty]
    public string? Email { get; set; }

    [BindProperty(SupportsGet = true)]
    public string ReturnUrl { get; set; } = "/";

    public string? Error { get; private set; }

    public bool PasswordSignInOpen => options.Value.PasswordSignInCutoff is not { } cutoff || clock.GetUtcNow() < cutoff;

    public void OnGet() => ReturnUrl = ReturnUrls.Safe(ReturnUrl);

    public async Task<IActionResult> OnPostAsync()
    {
        ReturnUrl = ReturnUrls.Safe(ReturnUrl);
        if (!EmailAddress.TryParse(Email, out var email))
        {
            Error = "Enter your email address, such as name@example.com.";
            return Page();
        }

        // An address of a domain an organization verified goes to that organization's identity
        // provider (this says something about the domain, never about the account).
        if (await sso.RouteAsync(email, HttpContext.RequestAborted) is { } organization)
        {
            return Redirect($"/sso/{organization.Slug}?returnUrl={Uri.EscapeDataString(ReturnUrl)}");
        }

        // Every other address goes on to the passkey step; whether it has an account is not revealed.
        return RedirectToPage("/SignIn/Passkey", new { email, ReturnUrl });
    }
}
