using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using KeyPortal.Core.Sessions;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace KeyPortal.Hosting;

/// <summary>
/// A client's own access tokens (client credentials: the client acting for itself, no user) have
/// no token entry at the IdP: a client may ask for one per call, and an entry per token would say
/// nothing its registration does not. Instead each token names the version of the client's
/// secret it was issued against (<see cref="KeyPortalClaims.ClientSecretVersion"/>, a digest of
/// the stored secret hash), and an app accepts it only while that client is still registered,
/// still allowed client credentials, and still has that secret. Removing the client or rotating
/// its secret therefore ends its tokens on their next call, as revoking an entry would.
/// </summary>
public static class ClientTokens
{
    /// <summary>The version of a stored client secret (OpenIddict's hash of it): 128 bits of its SHA-256, base64url.</summary>
    public static string SecretVersionOf(string? storedSecret)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(storedSecret ?? ""), digest);
        return Base64Url.EncodeToString(digest[..16]);
    }

    /// <summary>The version of the secret <paramref name="application"/> has now.</summary>
    public static string SecretVersionOf(OpenIddictEntityFrameworkCoreApplication application)
    {
        ArgumentNullException.ThrowIfNull(application);
        return SecretVersionOf(application.ClientSecret);
    }

    /// <summary>
    /// Whether a client's own token still holds: its client is registered, confidential, allowed
    /// client credentials and every scope of the token, and has the secret the token names.
    /// </summary>
    public static async Task<bool> IsLiveAsync(ClaimsPrincipal principal, IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(applications);
        var clientId = principal.FindFirstValue(KeyPortalClaims.ClientId);
        var version = principal.FindFirstValue(KeyPortalClaims.ClientSecretVersion);
        if (string.IsNullOrEmpty(clientId) || string.IsNullOrEmpty(version)
            || !string.Equals(clientId, principal.FindFirstValue(KeyPortalClaims.Subject), StringComparison.Ordinal))
        {
            return false;
        }

        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is not OpenIddictEntityFrameworkCoreApplication application
            || application.ClientType != OpenIddictConstants.ClientTypes.Confidential
            || !string.Equals(SecretVersionOf(application), version, StringComparison.Ordinal)
            || !await applications.HasPermissionAsync(application, OpenIddictConstants.Permissions.GrantTypes.ClientCredentials, cancellationToken))
        {
            return false;
        }

        // A scope taken from the client since ends its tokens that carry it.
        // As the JWT says it (one space-separated claim) or as OpenIddict reads it (one claim each).
        var scopes = principal.FindAll(OpenIddictConstants.Claims.Scope)
            .SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Concat(principal.GetScopes()).Distinct(StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            if (!await applications.HasPermissionAsync(application, OpenIddictConstants.Permissions.Prefixes.Scope + scope, cancellationToken))
            {
                return false;
            }
        }

        return true;
    }
}
