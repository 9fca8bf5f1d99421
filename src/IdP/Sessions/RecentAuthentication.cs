using KeyPortal.Core.Sessions;
using System.Globalization;
using System.Security.Claims;
using KeyPortal.IdP.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Sessions;

/// <summary>
/// Whether the session's last authentication is recent enough for a credential change, and
/// renewing it after the user confirmed with a passkey or their password again.
/// </summary>
public sealed class RecentAuthentication(TimeProvider clock, IOptions<IdentityProviderOptions> options)
{
    public bool IsRecent(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        // A federated session is never recent enough for a credential change: the organization's
        // identity provider vouches for the person in that organization, not for their account.
        if (AuthenticationMethods.Include(principal, AuthenticationMethods.Federated))
        {
            return false;
        }

        return long.TryParse(principal.FindFirstValue(KeyPortalClaims.AuthenticationTime), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds) <= options.Value.RecentAuthenticationWindow;
    }

    /// <summary>After the person confirmed with a passkey again: the authentication time is now (same session).</summary>
    public Task RenewAsync(HttpContext http) => ReissueAsync(http, null, reauthenticated: true);

    /// <summary>
    /// After a credential change made by this session: the cookie carries the account's new
    /// stamp. The authentication time stays what it was: a change is not a sign-in, so it
    /// cannot keep <c>auth_time</c> (and the apps' recent-sign-in checks) fresh for ever.
    /// </summary>
    public Task KeepAfterCredentialChangeAsync(HttpContext http, string? securityStamp) => ReissueAsync(http, securityStamp, reauthenticated: false);

    private async Task ReissueAsync(HttpContext http, string? securityStamp, bool reauthenticated)
    {
        ArgumentNullException.ThrowIfNull(http);
        var result = await http.AuthenticateAsync(SessionCookie.Scheme);
        if (result.Principal?.Identity is not ClaimsIdentity identity)
        {
            return;
        }

        if (reauthenticated)
        {
            foreach (var claim in identity.FindAll(KeyPortalClaims.AuthenticationTime).ToList())
            {
                identity.RemoveClaim(claim);
            }

            identity.AddClaim(new Claim(KeyPortalClaims.AuthenticationTime, clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        }

        if (securityStamp is not null)
        {
            foreach (var claim in identity.FindAll(KeyPortalClaims.SecurityStamp).ToList())
            {
                identity.RemoveClaim(claim);
            }

            identity.AddClaim(new Claim(KeyPortalClaims.SecurityStamp, securityStamp));
        }

        await http.SignInAsync(SessionCookie.Scheme, result.Principal, result.Properties);
        http.User = result.Principal;
    }
}
