using KeyPortal.Core;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Admin.Pages;

/// <summary>
/// Home for a signed-in operator. Every page needs sign-in, and the session check admits only
/// platform operators, so no page repeats that test.
/// </summary>
public sealed class IndexModel : PageModel
{
    public string Email { get; private set; } = "";

    public void OnGet() => Email = User.SignedInEmail() ?? "";
}
