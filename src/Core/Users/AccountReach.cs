namespace KeyPortal.Core.Users;

/// <summary>
/// SPEC Account resets: an Owner of one organization must never be able to wipe the credentials
/// another organization relies on. The one home of that rule, for every action whose effect
/// reaches the whole account rather than one membership (reset user, reset password, resending
/// credential links, ending sessions, removing credentials).
/// </summary>
public static class AccountReach
{
    /// <summary>
    /// Refuses unless <paramref name="actor"/> is a platform operator (or the system), or the target
    /// is not an operator and every organization the target belongs to is one where the actor is
    /// an Owner.
    /// </summary>
    public static async Task EnsureMayActOnAccountAsync(this PortalDbContext db, AuditActor actor, Guid targetUserId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        if (await IsOperatorOrSystemAsync(db, actor, ct))
        {
            return;
        }

        await db.EnsureNotPlatformOperatorAsync(actor, targetUserId, ct);
        var actorId = actor.UserId!.Value;
        // A session made through one organization's identity provider owns that organization at
        // most: that provider's word must not reach accounts other organizations rely on.
        var scope = actor.SessionScope;
        var outsideActorsOrganizations = await db.Memberships.AnyAsync(m => m.UserId == targetUserId
            && !db.Memberships.Any(own => own.OrganizationId == m.OrganizationId && own.UserId == actorId
                && own.OrganizationRole == OrganizationRole.Owner && (scope == null || own.OrganizationId == scope)), ct);
        if (outsideActorsOrganizations)
        {
            throw new DomainException(DomainErrors.AccountBeyondOrganization);
        }
    }

    /// <summary>Nobody but an operator resets, suspends or removes a platform operator.</summary>
    public static async Task EnsureNotPlatformOperatorAsync(this PortalDbContext db, AuditActor actor, Guid targetUserId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        if (await IsOperatorOrSystemAsync(db, actor, ct))
        {
            return;
        }

        if (await db.Users.AnyAsync(u => u.Id == targetUserId && u.IsPlatformOperator, ct))
        {
            throw new DomainException(DomainErrors.PlatformOperatorProtected);
        }
    }

    /// <summary>
    /// Operators' own actions (suspension, appointing Owners, changing kinds): refused unless the
    /// actor is an active platform operator, or the system or an automation client (no user).
    /// </summary>
    public static async Task EnsurePlatformOperatorAsync(this PortalDbContext db, AuditActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        // Of the actors without a user, only the installation's own (the system, its CLI, an
        // automation client the console admitted) act as operators; somebody not signed in never does.
        if ((actor.UserId is null && !actor.IsInstallation) || !await IsOperatorOrSystemAsync(db, actor, ct))
        {
            throw new DomainException(DomainErrors.OperatorRequired);
        }
    }

    /// <summary>Whether the Portal should offer the account-wide actions for this member at all.</summary>
    public static async Task<bool> MayActOnAccountAsync(this PortalDbContext db, AuditActor actor, Guid targetUserId, CancellationToken ct)
    {
        try
        {
            await db.EnsureMayActOnAccountAsync(actor, targetUserId, ct);
            return true;
        }
        catch (DomainException)
        {
            return false;
        }
    }

    private static async Task<bool> IsOperatorOrSystemAsync(PortalDbContext db, AuditActor actor, CancellationToken ct) =>
        actor.UserId is not { } actorId
        || await db.Users.AnyAsync(u => u.Id == actorId && u.IsPlatformOperator && (u.State == UserState.Active), ct);
}
