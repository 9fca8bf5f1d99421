namespace KeyPortal.Core.Sessions;

/// <summary>
/// RFC 8176 authentication method references (OIDC <c>amr</c>) the IdP writes for a sign-in and
/// stores on the <see cref="UserSession"/>; the one place their values are spelled.
/// </summary>
public static class AuthenticationMethods
{
    /// <summary>Proof of possession of a hardware-secured key: a passkey.</summary>
    public const string Passkey = "hwk";

    public const string Password = "pwd";

    /// <summary>A one-time password (authenticator-app code).</summary>
    public const string OneTimePassword = "otp";

    /// <summary>More than one factor (a passkey with user verification counts as two).</summary>
    public const string MultiFactor = "mfa";

    /// <summary>
    /// Signed in by the organization's own identity provider (SAML or upstream OpenID Connect).
    /// Not an RFC 8176 value on purpose: what the upstream provider reports is its claim, not
    /// ours, so a federated session never counts as a passkey, password or second factor here.
    /// </summary>
    public const string Federated = "fed";

    /// <summary>Whether the principal was authenticated with <paramref name="method"/> (its <c>amr</c> claims).</summary>
    public static bool Include(System.Security.Claims.ClaimsPrincipal principal, string method)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.FindAll(KeyPortalClaims.AuthenticationMethod).Any(c => string.Equals(c.Value, method, StringComparison.Ordinal));
    }

    /// <summary>Whether the session's stored methods (space-separated) include <paramref name="method"/>.</summary>
    public static bool Include(string? stored, string method) =>
        (stored ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(method, StringComparer.Ordinal);
}
