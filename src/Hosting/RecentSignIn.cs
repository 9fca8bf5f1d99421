using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KeyPortal.Hosting;

/// <summary>
/// "Confirm it's you" in a relying party: whether the signed-in person authenticated at the IdP
/// recently (OIDC <c>auth_time</c> in the id_token the cookie holds), and where to send them to
/// do it again (<see cref="RelyingPartyPaths.Confirm"/>, a sign-in with <c>prompt=login</c>).
/// </summary>
public static class RecentSignIn
{
    public static bool IsRecent(this HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var window = http.RequestServices.GetRequiredService<IOptions<RelyingPartyOptions>>().Value.RecentAuthenticationWindow;
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        return http.User.AuthenticatedAt() is { } at && now - at <= window && at <= now.AddMinutes(1);
    }

    public static DateTimeOffset? AuthenticatedAt(this ClaimsPrincipal principal) =>
        principal?.FindFirst(KeyPortalClaims.AuthenticationTime)?.Value is { } text
        && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>The address that signs the person in again and comes back to <paramref name="returnPath"/> (a local path).</summary>
    public static string ConfirmUrl(string returnPath) =>
        RelyingPartyPaths.Confirm + "?returnUrl=" + Uri.EscapeDataString(RelyingPartyAuthentication.IsLocalPath(returnPath) ? returnPath : "/");
}
