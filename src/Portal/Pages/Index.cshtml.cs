using KeyPortal.Core.Authorization;
using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Portal.Organizations;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace KeyPortal.Portal.Pages;

/// <summary>Home for a signed-in member (every page needs sign-in unless it says otherwise).</summary>
public sealed class IndexModel(CurrentMember organization, IOptions<PublicUrlOptions> urls) : PageModel
{
    public string Email { get; private set; } = "";

    public CurrentMember Organizations => organization;

    /// <summary>Active (demo mode): signed in with the onboarding password, no passkey yet.</summary>
    public bool DemoMode => organization.UserState == UserState.ActiveDemo;

    public string RegisterPasskeyUrl => new Uri(urls.Value.IdP, "signin/create-passkey").AbsoluteUri;

    public void OnGet() => Email = User.SignedInEmail() ?? "";

    public bool Allows(Permission permission) => organization.Allows(permission);
}
