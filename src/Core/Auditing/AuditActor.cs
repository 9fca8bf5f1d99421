namespace KeyPortal.Core.Auditing;

/// <summary>Who performs an operation, and from where; passed into every state-changing service call.</summary>
public sealed record AuditActor(Guid? UserId, string Name, string? ClientAddress)
{
    /// <summary>
    /// The organization the actor's session is limited to: set when an organization's identity
    /// provider made the session (single sign-on). Such an actor reaches nothing beyond that
    /// organization, whatever their roles elsewhere (<see cref="Users.AccountReach"/>).
    /// </summary>
    public Guid? SessionScope { get; init; }

    public static AuditActor System { get; } = new(null, "system", null);

    /// <summary>The name of an automation client's actor: <c>client:</c> and its client id.</summary>
    public const string ClientPrefix = "client:";

    /// <summary>
    /// The installation acting for itself, with no user: the system, its command line (<c>cli</c>)
    /// or an automation client (<see cref="ClientPrefix"/>); not somebody who is not signed in.
    /// </summary>
    public bool IsInstallation =>
        UserId is null && (Name is "system" or "cli" || Name.StartsWith(ClientPrefix, StringComparison.Ordinal));

    public static AuditActor ForUser(User user, string? clientAddress)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new AuditActor(user.Id, user.Email ?? user.Id.ToString(), clientAddress);
    }
}
