using KeyPortal.Core.Invitations;
using KeyPortal.Core.Mail;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Resets;

/// <summary>A reset's emailed link went out.</summary>
public sealed record ResetSent(Guid UserId, Guid InvitationId, DateTimeOffset ExpiresAt);

/// <summary>
/// SPEC Account resets: "reset user" wipes every credential and session and emails a link that,
/// after a one-time code, sends a second link to register a new passkey; "reset password" emails
/// a single-use link to set a new password, only to users who still have one. The caller checks
/// that the actor holds the permission; <see cref="AccountReach"/> here checks that the account is
/// theirs to reset (an Owner of every organization of the user, or an operator).
/// </summary>
public sealed class AccountResetService(
    PortalDbContext db,
    AuditTrail audit,
    TimeProvider clock,
    IOptions<InvitationOptions> options,
    IEmailSender email,
    UserManager<User> users)
{
    private readonly InvitationRecords _records = new(db, audit, clock, options.Value);

    /// <summary>
    /// State Reset; passkeys, password, TOTP and every session, token and grant gone; every earlier
    /// link superseded; a "reset account" email. With <paramref name="organizationId"/>, the user
    /// must be a member of it (an Owner resets only their own members).
    /// </summary>
    public async Task<ResetSent> ResetUserAsync(
        AuditActor actor, Guid userId, Guid? organizationId, Uri linkBase, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(linkBase);
        var issued = await db.InTransactionAsync(async ct =>
        {
            var user = await db.LockUserAsync(userId, ct);
            await EnsureMemberAsync(organizationId, userId, ct);
            await db.EnsureMayActOnAccountAsync(actor, userId, ct);
            var now = clock.GetUtcNow();
            var from = user.State;
            // Refuses Pending, Suspended, Deactivated and an account already in Reset (resend instead).
            user.TransitionTo(UserState.Reset, now);
            var wiped = await CredentialRemoval.WipeAllAsync(db, user, ct);
            var sessions = await SessionRevocation.EndAllAsync(db, userId, "account reset", now, ct);
            await ApiTokens.ApiTokenService.DeleteForMemberAsync(db, audit, actor, userId, organizationId: null, "account reset", ct);
            audit.Record(actor, AuditActions.UserStateChanged, organizationId, userId,
                new { from = from.ToString(), to = nameof(UserState.Reset), reason = "account reset" });
            audit.Record(actor, AuditActions.UserReset, organizationId, userId,
                new { passkeysRemoved = wiped.PasskeysRemoved, passwordRemoved = wiped.PasswordRemoved, totpRemoved = wiped.TotpRemoved, sessionsEnded = sessions });
            var issued = await _records.IssueAsync(actor, organizationId, user, default, InvitationPurpose.AccountReset, isOnboarding: false, ct);
            await email.SendAsync(EmailTemplates.AccountReset(issued.Email, issued.Invitation.ExpiresAt,
                InvitationLinks.For(linkBase, InvitationPurpose.AccountReset, issued.Token)), ct);
            return issued;
        }, cancellationToken);

        return new ResetSent(userId, issued.Invitation.Id, issued.Invitation.ExpiresAt);
    }

    /// <summary>
    /// After the reset link's code was confirmed: uses the reset link up and emails the second
    /// link, an activation link whose code counts as confirmed, to register a new passkey.
    /// </summary>
    public async Task<ResetSent> SendResetActivationAsync(
        string token, Uri linkBase, string? clientAddress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(linkBase);
        var issued = await db.InTransactionAsync(async ct =>
        {
            var (invitation, user) = await _records.LockLiveAsync(token, ct);
            InvitationRecords.EnsureUserFits(invitation, user);
            InvitationService.EnsureCodeVerified(invitation, InvitationPurpose.AccountReset);
            var person = InvitationRecords.PersonOf(user, clientAddress);
            _records.MarkUsed(person, invitation);
            var issued = await _records.IssueAsync(person, invitation.OrganizationId, user, default, InvitationPurpose.Activation,
                isOnboarding: false, ct, codeAlreadyVerified: true, keepOpen: invitation.Id);
            await email.SendAsync(EmailTemplates.ResetActivation(issued.Email, issued.Invitation.ExpiresAt,
                InvitationLinks.For(linkBase, InvitationPurpose.Activation, issued.Token)), ct);
            return issued;
        }, cancellationToken);

        return new ResetSent(issued.Invitation.UserId, issued.Invitation.Id, issued.Invitation.ExpiresAt);
    }

    /// <summary>
    /// Emails a single-use link to set a new password. Refused for passwordless users: they have
    /// nothing to reset (SPEC: offered only to users who are not passwordless yet).
    /// </summary>
    public async Task<ResetSent> ResetPasswordAsync(
        AuditActor actor, Guid userId, Guid organizationId, Uri linkBase, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(linkBase);
        var issued = await db.InTransactionAsync(async ct =>
        {
            var user = await db.LockUserAsync(userId, ct);
            await EnsureMemberAsync(organizationId, userId, ct);
            await db.EnsureMayActOnAccountAsync(actor, userId, ct);
            if (!user.HasPassword)
            {
                throw new DomainException(DomainErrors.ResetNotAllowedPasswordless);
            }

            if (!user.State.MayHoldSession())
            {
                throw new DomainException(DomainErrors.IllegalTransition(user.State, user.State));
            }

            audit.Record(actor, AuditActions.PasswordResetRequested, organizationId, userId);
            var issued = await _records.IssueAsync(actor, organizationId, user, default, InvitationPurpose.PasswordReset, isOnboarding: false, ct);
            await email.SendAsync(EmailTemplates.PasswordReset(issued.Email, issued.Invitation.ExpiresAt,
                InvitationLinks.For(linkBase, InvitationPurpose.PasswordReset, issued.Token)), ct);
            return issued;
        }, cancellationToken);

        return new ResetSent(userId, issued.Invitation.Id, issued.Invitation.ExpiresAt);
    }

    /// <summary>
    /// Sets the new password from a password-reset link (Identity's password rules), ends every
    /// session (new security stamp, sessions and tokens revoked) and uses the link up.
    /// </summary>
    public async Task CompletePasswordResetAsync(
        string token, string newPassword, string? clientAddress = null, CancellationToken cancellationToken = default)
    {
        var (found, owner) = await _records.FindLiveAsync(token, cancellationToken);
        EnsurePasswordResetLink(found, owner);
        await InvitationRecords.EnsurePasswordAllowedAsync(users, owner, newPassword);

        await db.InTransactionAsync(async ct =>
        {
            var (invitation, user) = await _records.LockLiveAsync(token, ct);
            EnsurePasswordResetLink(invitation, user);
            var person = InvitationRecords.PersonOf(user, clientAddress);
            var now = clock.GetUtcNow();
            user.PasswordHash = users.PasswordHasher.HashPassword(user, newPassword);
            user.RotateSecurityStamp();
            user.AccessFailedCount = 0;
            user.LockoutEnd = null;
            await SessionRevocation.EndAllAsync(db, user.Id, "password reset", now, ct);
            audit.Record(person, AuditActions.PasswordReset, invitation.OrganizationId, user.Id, new { invitationId = invitation.Id });
            _records.MarkUsed(person, invitation);
            return true;
        }, cancellationToken);
    }

    private static void EnsurePasswordResetLink(Invitation invitation, User user)
    {
        if (invitation.Purpose != InvitationPurpose.PasswordReset)
        {
            throw new DomainException(DomainErrors.InvitationWrongStep);
        }

        InvitationRecords.EnsureUserFits(invitation, user);
    }

    private async Task EnsureMemberAsync(Guid? organizationId, Guid userId, CancellationToken ct)
    {
        if (organizationId is { } id && !await db.Memberships.AnyAsync(m => m.OrganizationId == id && m.UserId == userId, ct))
        {
            throw new DomainException(DomainErrors.MembershipNotFound);
        }
    }
}
