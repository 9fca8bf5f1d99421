using KeyPortal.Core;
using KeyPortal.Hosting;

namespace KeyPortal.IdP.Shared;

internal static class ReturnUrls
{
    /// <summary>Only local paths (the authorization endpoint, the account page): never an open redirect.</summary>
    public static string Safe(string? returnUrl) => RelyingPartyAuthentication.IsLocalPath(returnUrl) ? returnUrl! : "/";
}
