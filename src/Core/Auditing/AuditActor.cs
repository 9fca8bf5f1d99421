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

    public static AuditActor ForUser(User user, string? clientAddress)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new AuditActor(user.Id, user.Email ?? user.Id.ToString(), clientAddress);
    }
}
