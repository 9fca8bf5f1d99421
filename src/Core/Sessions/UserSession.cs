namespace KeyPortal.Core.Sessions;

/// <summary>
/// One sign-in at the identity provider. Its id is the OIDC <c>sid</c>: the IdP cookie and the
/// relying parties' cookies carry it, and every app checks on each request that the session
/// has not ended, so signing out (or a reset, suspension or passkey removal) ends it everywhere at once.
/// </summary>
public sealed class UserSession
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    /// <summary>RFC 8176 authentication method references, space-separated (e.g. "hwk user", "pwd", "pwd mfa").</summary>
    public string AuthenticationMethods { get; set; } = "";

    /// <summary>The passkey that authenticated this session, when one did.</summary>
    public Guid? PasskeyCredentialId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastSeenAt { get; set; }

    /// <summary>The session ends here whatever the activity (absolute maximum).</summary>
    public DateTimeOffset AbsoluteExpiresAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public string? EndReason { get; set; }

    public string? ClientAddress { get; set; }

    /// <summary>
    /// The account's security stamp this session is good for: set at sign-in and renewed only
    /// for the session that made a credential change. Every app refuses the session once the
    /// account's stamp differs (a credential changed somewhere else).
    /// </summary>
    public string? SecurityStamp { get; set; }

    /// <summary>
    /// The organization whose identity provider made this session (single sign-on), else null.
    /// Such a session reaches that organization only: one organization's identity provider
    /// never signs anybody into another one.
    /// </summary>
    public Guid? FederatedOrganizationId { get; set; }

    public bool IsActiveAt(DateTimeOffset now) => EndedAt is null && now < AbsoluteExpiresAt;
}
