using System.Globalization;
using System.Security.Claims;
using KeyPortal.IdP.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Account;

/// <summary>
/// Whether the session's last authentication is recent enough for a credential change, and
/// renewing it after the user confirmed with a passkey or their password again.
/// </summary>
public sealed class RecentAuthentication(TimeProvider clock, IOptions<IdentityProviderOptions> options)
{
    public bool IsRecent(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return long.TryParse(principal.FindFirstValue(SessionClaims.AuthenticationTime), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds) <= options.Value.RecentAuthenticationWindow;
    }

    /// <summary>
    /// Re-issues the session cookie with the authentication time set to now (same session), and
    /// with <paramref name="securityStamp"/> when the account's stamp just changed under it.
    /// </summary>
    public async Task RenewAsync(HttpContext http, string? securityStamp = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var result = await http.AuthenticateAsync(SessionClaims.Scheme);
        if (result.Principal?.Identity is not ClaimsIdentity identity)
        {
            return;
        }

        foreach (var claim in identity.FindAll(SessionClaims.AuthenticationTime).ToList())
        {
            identity.RemoveClaim(claim);
        }

        identity.AddClaim(new Claim(SessionClaims.AuthenticationTime, clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        if (securityStamp is not null)
        {
            foreach (var claim in identity.FindAll(SessionClaims.SecurityStamp).ToList())
            {
                identity.RemoveClaim(claim);
            }

            identity.AddClaim(new Claim(SessionClaims.SecurityStamp, securityStamp));
        }

        await http.SignInAsync(SessionClaims.Scheme, result.Principal, result.Properties);
        http.User = result.Principal;
    }
}
