using KeyPortal.IdP.SignIn;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.IdP.Pages.SignIn;

[AllowAnonymous]
public sealed class PasskeyCreatedModel : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Name { get; set; } = "Security key";

    [BindProperty(SupportsGet = true)]
    public string ReturnUrl { get; set; } = "/";

    public void OnGet()
    {
        ReturnUrl = ReturnUrls.Safe(ReturnUrl);
        Name = Name.Length > 64 ? Name[..64] : Name;
    }
}
