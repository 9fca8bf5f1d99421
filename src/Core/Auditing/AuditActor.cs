namespace KeyPortal.Core.Auditing;

/// <summary>Who performs an operation, and from where; passed into every state-changing service call.</summary>
public sealed record AuditActor(Guid? UserId, string Name, string? ClientAddress)
{
    public static AuditActor System { get; } = new(null, "system", null);

    public static AuditActor ForUser(User user, string? clientAddress)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new AuditActor(user.Id, user.Email ?? user.Id.ToString(), clientAddress);
    }
}
