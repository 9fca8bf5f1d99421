namespace KeyPortal.IdP.Sessions;

/// <summary>The IdP's own session cookie; its claim types are <see cref="KeyPortal.Core.Sessions.KeyPortalClaims"/>.</summary>
internal static class SessionCookie
{
    public const string Scheme = "KeyPortal.IdP";
}
