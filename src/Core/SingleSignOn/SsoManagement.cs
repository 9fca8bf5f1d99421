namespace KeyPortal.Core.SingleSignOn;

/// <summary>
/// SPEC Single sign-on: members who manage the SSO configuration sign in with their own passkey,
/// not through SSO, so a broken set-up cannot lock them out. The session row decides.
/// </summary>
public static class SsoManagement
{
    /// <summary>True for a session made with a passkey (amr <c>hwk</c>) and not by any organization's identity provider.</summary>
    public static bool IsPasskeySession(string? authenticationMethods, Guid? federatedOrganizationId) =>
        federatedOrganizationId is null && AuthenticationMethods.Include(authenticationMethods, AuthenticationMethods.Passkey);
}
