using KeyPortal.Core.Sessions;
using System.Security.Claims;
using KeyPortal.IdP.Sessions;
using KeyPortal.IdP.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.IdP.SignIn;

/// <summary>The "Create passkey" interstitial; needs an IdP session (password or passkey sign-in).</summary>
[Authorize]
public sealed class CreatePasskeyModel : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string ReturnUrl { get; set; } = "/";

    [BindProperty(SupportsGet = true)]
    public bool Required { get; set; }

    public string Email => User.FindFirstValue(KeyPortalClaims.Email) ?? "";

    public void OnGet()
    {
        ReturnUrl = ReturnUrls.Safe(ReturnUrl);
        Required = Required || User.HasClaim(KeyPortalClaims.PasskeyRequired, "true");
    }
}
