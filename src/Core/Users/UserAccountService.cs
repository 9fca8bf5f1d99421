using KeyPortal.Core.Mail;

namespace KeyPortal.Core.Users;

/// <summary>State changes of whole accounts that are not membership changes.</summary>
public sealed class UserAccountService(PortalDbContext db, AuditTrail audit, TimeProvider clock, IEmailSender email)
{
    /// <summary>The longest reason kept for an operator's action.</summary>
    public const int MaxReasonLength = 500;

    /// <summary>
    /// Operators only (checked here too): sessions, tokens, grants and API tokens end in the same
    /// transaction; memberships stay; afterwards every Owner of each of the user's organizations is
    /// emailed (SPEC Suspended), the suspended user excepted. Suspending oneself or a platform
    /// operator is refused.
    /// </summary>
    public async Task SuspendAsync(AuditActor actor, Guid userId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var why = RequireReason(reason);
        await db.InTransactionAsync(async ct =>
        {
            await db.EnsurePlatformOperatorAsync(actor, ct);
            if (actor.UserId == userId)
            {
                throw new DomainException(DomainErrors.SuspendSelf);
            }

            if (await db.Users.AnyAsync(u => u.Id == userId && u.IsPlatformOperator, ct))
            {
                throw new DomainException(DomainErrors.SuspendOperator);
            }

            await ChangeStateAsync(actor, userId, _ => UserState.Suspended, why, ct);

            // The Owners' notices are queued with the suspension: they go out exactly when it happened.
            var memberEmail = await db.Users.Where(u => u.Id == userId).Select(u => u.Email).SingleAsync(ct) ?? "";
            var organizations = db.Memberships.Where(m => m.UserId == userId).Select(m => m.OrganizationId);
            var owners = await db.Memberships.AsNoTracking()
                .Where(m => organizations.Contains(m.OrganizationId) && m.OrganizationRole == OrganizationRole.Owner && m.UserId != userId)
                .Select(m => new { m.User.Email, m.Organization.Name })
                .ToListAsync(ct);
            foreach (var owner in owners.Where(o => !string.IsNullOrEmpty(o.Email)))
            {
                await email.SendAsync(EmailTemplates.MemberSuspended(owner.Email!, memberEmail, owner.Name), ct);
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Operators only (checked here too): restores the state the user had before the suspension,
    /// so they sign in with the credentials they had. API tokens deleted by the suspension stay deleted.
    /// </summary>
    public Task LiftSuspensionAsync(AuditActor actor, Guid userId, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            ArgumentNullException.ThrowIfNull(actor);
            await db.EnsurePlatformOperatorAsync(actor, ct);
            await ChangeStateAsync(
                actor,
                userId,
                user => user.State == UserState.Suspended
                    ? user.StateBeforeSuspension ?? UserState.Active
                    : throw new DomainException(DomainErrors.IllegalTransition(user.State, UserState.Active)),
                "suspension lifted",
                ct);
            return true;
        }, cancellationToken);

    /// <summary>A reason for the audit trail: trimmed, one line, 1 to <see cref="MaxReasonLength"/> characters.</summary>
    public static string RequireReason(string? reason)
    {
        var text = reason?.Trim() ?? "";
        return text.Length is 0 or > MaxReasonLength || text.Any(char.IsControl)
            ? throw new DomainException(DomainErrors.ReasonRequired(MaxReasonLength))
            : text;
    }

    /// <summary>Moves a user to another state if the state machine allows it; audited.</summary>
    public Task ChangeStateAsync(
        AuditActor actor, Guid userId, Func<User, UserState> target, string reason, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            ArgumentNullException.ThrowIfNull(target);
            // The account's row lock: a token being generated meanwhile waits, or is deleted below.
            var user = await db.LockUserAsync(userId, ct);
            var from = user.State;
            var to = target(user);
            if (to == UserState.Deactivated)
            {
                // Deactivated means "removed from all organizations": only removing the last
                // membership (MembershipService, under the at-least-one-Owner rule) leads there.
                throw new DomainException(DomainErrors.IllegalTransition(from, to));
            }

            user.TransitionTo(to, clock.GetUtcNow());
            if (to is UserState.Reset or UserState.Suspended)
            {
                await SessionRevocation.EndAllAsync(db, user.Id, to == UserState.Reset ? "account reset" : "suspended", clock.GetUtcNow(), ct);
                // SPEC Suspended: API tokens deleted, in this transaction (lifting it revives none).
                await ApiTokens.ApiTokenService.DeleteForMemberAsync(db, audit, actor, user.Id, organizationId: null, to == UserState.Reset ? "account reset" : "suspended", ct);
            }
            audit.Record(actor, AuditActions.UserStateChanged, null, user.Id, new { from = from.ToString(), to = to.ToString(), reason });
            return true;
        }, cancellationToken);
}
