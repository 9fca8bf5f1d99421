using System.Security.Cryptography;
using KeyPortal.IdP.Passkeys;
using KeyPortal.IdP.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.IdP.SignIn;

/// <summary>After the first passkey: its stored name (carried protected) and the way to sign in with it.</summary>
[AllowAnonymous]
public sealed class PasskeyCreatedModel(IDataProtectionProvider protection) : PageModel
{
    /// <summary>The passkey's stored name, protected by the step that created it.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Key { get; set; }

    [BindProperty(SupportsGet = true)]
    public string ReturnUrl { get; set; } = "/";

    /// <summary>The stored name, or null when the address does not carry one we wrote.</summary>
    public string? Name { get; private set; }

    public void OnGet()
    {
        ReturnUrl = ReturnUrls.Safe(ReturnUrl);
        try
        {
            Name = Key is null ? null : PasskeyCreatedName.Protector(protection).Unprotect(Key);
        }
        catch (CryptographicException)
        {
            // Edited, expired or made elsewhere: say it without a name.
            Name = null;
        }
    }
}
