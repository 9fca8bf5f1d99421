namespace KeyPortal.IdP.Sessions;

/// <summary>Claim types of the IdP's own session cookie.</summary>
internal static class SessionClaims
{
    public const string Scheme = "KeyPortal.IdP";
    public const string Subject = "sub";
    public const string Email = "email";
    public const string SessionId = "sid";

    /// <summary>RFC 8176 values, one claim each.</summary>
    public const string AuthenticationMethod = "amr";

    /// <summary>The user's security stamp at sign-in: a reset, suspension or credential change rotates it and ends the session.</summary>
    public const string SecurityStamp = "ks:stamp";

    /// <summary>Set when the session may only be used to create a passkey (password after the cut-off).</summary>
    public const string PasskeyRequired = "ks:passkey_required";

    public const string AuthenticationTime = "auth_time";
}
