using Microsoft.AspNetCore.Identity;

namespace KeyPortal.Core.Invitations;

/// <summary>What a page needs to show an opened link; only the invited person's own details.</summary>
public sealed record InvitationView(
    Guid InvitationId,
    Guid UserId,
    InvitationPurpose Purpose,
    string Email,
    string? OrganizationName,
    bool IsOnboarding,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? CodeExpiresAt,
    bool CodeVerified,
    DateTimeOffset? LockedUntil,
    int AttemptsLeft);

/// <summary>A newly issued link: the raw token exists only here and in the email.</summary>
internal sealed record IssuedInvitation(Invitation Invitation, string Token, string Email);

/// <summary>Where the IdP pages of each emailed link live, relative to the IdP's base address.</summary>
public static class InvitationLinks
{
    public const string ActivationPath = "activate";
    public const string AccountResetPath = "reset";
    public const string PasswordResetPath = "password-reset";

    public static Uri For(Uri linkBase, InvitationPurpose purpose, string token)
    {
        ArgumentNullException.ThrowIfNull(linkBase);
        var path = purpose switch
        {
            InvitationPurpose.Activation => ActivationPath,
            InvitationPurpose.AccountReset => AccountResetPath,
            _ => PasswordResetPath,
        };
        var root = linkBase.AbsoluteUri.EndsWith('/') ? linkBase : new Uri(linkBase.AbsoluteUri + "/");
        return new Uri(root, $"{path}/{token}");
    }
}

/// <summary>
/// The invitation steps shared by invitations, onboarding and resets: issuing (superseding the
/// user's open links), finding a link by its token, and taking its row lock.
/// </summary>
internal sealed class InvitationRecords(PortalDbContext db, AuditTrail audit, TimeProvider clock, InvitationOptions options)
{
    public InvitationOptions Options => options;

    /// <summary>Reads a link without changing anything; refuses unknown and dead links.</summary>
    public async Task<(Invitation Invitation, User User)> FindLiveAsync(string token, CancellationToken ct)
    {
        var hash = Invitation.HashToken(token) ?? throw new DomainException(DomainErrors.InvitationInvalid);
        var invitation = await db.Invitations.AsNoTracking().SingleOrDefaultAsync(i => i.TokenHash == hash, ct);
        // The index finds the row; the comparison that decides is constant-time.
        if (invitation is null || !invitation.Matches(hash))
        {
            throw new DomainException(DomainErrors.InvitationInvalid);
        }

        EnsureLive(invitation);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == invitation.UserId, ct);
        return (invitation, user);
    }

    /// <summary>
    /// Takes the link's row lock for the rest of the transaction (PostgreSQL row lock; SQLite
    /// write transactions are exclusive), then reads it: concurrent submissions of one link run
    /// one after another, each seeing the previous one's attempt count. A refusal thrown
    /// afterwards rolls the lock's version bump back, so nothing changes.
    /// </summary>
    public async Task<(Invitation Invitation, User User)> LockLiveAsync(string token, CancellationToken ct)
    {
        var hash = Invitation.HashToken(token) ?? throw new DomainException(DomainErrors.InvitationInvalid);
        var locked = await db.Invitations.Where(i => i.TokenHash == hash)
            .ExecuteUpdateAsync(set => set.SetProperty(i => i.Version, i => i.Version + 1), ct);
        if (locked == 0)
        {
            throw new DomainException(DomainErrors.InvitationInvalid);
        }

        var invitation = await db.Invitations.SingleAsync(i => i.TokenHash == hash, ct);
        await db.Entry(invitation).ReloadAsync(ct);
        if (!invitation.Matches(hash))
        {
            throw new DomainException(DomainErrors.InvitationInvalid);
        }

        EnsureLive(invitation);
        var user = await db.LockUserAsync(invitation.UserId, ct);
        return (invitation, user);
    }

    /// <summary>
    /// Adds a new link for <paramref name="user"/> and makes every open one of theirs stop working
    /// (except <paramref name="keepOpen"/>): one live link per person, so a resend is also a revocation.
    /// The caller holds the user's row lock.
    /// </summary>
    public async Task<IssuedInvitation> IssueAsync(
        AuditActor actor, Guid? organizationId, User user, MemberRoles roles, InvitationPurpose purpose,
        bool isOnboarding, CancellationToken ct, bool codeAlreadyVerified = false, Guid? keepOpen = null)
    {
        var now = clock.GetUtcNow();
        var superseded = await db.Invitations
            .Where(i => i.UserId == user.Id && i.UsedAt == null && i.SupersededAt == null && i.Id != keepOpen
                // A link to the account's credentials never kills an invitation to join (and the other way round).
                && (purpose == InvitationPurpose.Membership
                    ? i.Purpose == InvitationPurpose.Membership && i.OrganizationId == organizationId
                    : i.Purpose != InvitationPurpose.Membership))
            .ExecuteUpdateAsync(set => set.SetProperty(i => i.SupersededAt, now), ct);
        // The second link of a reset lives as long as a reset, not as long as an invitation.
        var lifetime = purpose is InvitationPurpose.Activation or InvitationPurpose.Membership && !codeAlreadyVerified
            ? options.ActivationLifetime
            : options.ResetLifetime;
        var (invitation, token) = Invitation.Issue(
            organizationId, user.Id, actor.UserId == user.Id ? null : actor.UserId, roles, purpose, isOnboarding, now, lifetime, codeAlreadyVerified);
        db.Invitations.Add(invitation);
        audit.Record(actor, AuditActions.InvitationCreated, organizationId, user.Id, new
        {
            invitationId = invitation.Id,
            purpose = purpose.ToString(),
            roles = roles.IsEmpty ? null : roles.ToString(),
            onboarding = isOnboarding,
            expiresAt = invitation.ExpiresAt,
            superseded,
        });
        return new IssuedInvitation(invitation, token, user.Email ?? "");
    }

    public void MarkUsed(AuditActor actor, Invitation invitation)
    {
        invitation.MarkUsed(clock.GetUtcNow());
        audit.Record(actor, AuditActions.InvitationUsed, invitation.OrganizationId, invitation.UserId,
            new { invitationId = invitation.Id, purpose = invitation.Purpose.ToString() });
    }

    /// <summary>
    /// Whether the account is still in the state the link was sent for: a link does not outlive
    /// a suspension, a deactivation or an activation by other means.
    /// </summary>
    public static void EnsureUserFits(Invitation invitation, User user)
    {
        var fits = invitation.Purpose switch
        {
            InvitationPurpose.Activation => user.State is UserState.Pending or UserState.Reset,
            InvitationPurpose.AccountReset => user.State is UserState.Reset,
            InvitationPurpose.PasswordReset => user.HasPassword && user.State.MayHoldSession(),
            _ => false,
        };
        if (!fits)
        {
            throw new DomainException(DomainErrors.InvitationInvalid);
        }
    }

    public static AuditActor PersonOf(User user, string? clientAddress) => AuditActor.ForUser(user, clientAddress);

    /// <summary>Checks a new password against the product's Identity password rules.</summary>
    public static async Task EnsurePasswordAllowedAsync(UserManager<User> users, User user, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var reasons = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, user, password);
            reasons.AddRange(result.Errors.Select(e => e.Description));
        }

        if (reasons.Count > 0)
        {
            throw new DomainException(DomainErrors.PasswordInvalid(reasons));
        }
    }

    private void EnsureLive(Invitation invitation)
    {
        if (invitation.RefusalAt(clock.GetUtcNow()) is { } refusal)
        {
            throw new DomainException(refusal);
        }
    }
}
