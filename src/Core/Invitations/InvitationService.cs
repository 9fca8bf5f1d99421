using KeyPortal.Core.Mail;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Invitations;

/// <summary>How adding a person ended, for the page that did it.</summary>
public enum InvitationOutcome
{
    /// <summary>A new (or re-added) person: Pending, activation link emailed.</summary>
    ActivationSent = 1,

    /// <summary>An existing account joined the organization and was told so by email (operators' onboarding only).</summary>
    AddedExistingAccount = 2,

    /// <summary>SSO organization: Active at once, no activation.</summary>
    ActiveThroughSso = 3,

    /// <summary>An existing account was invited to join; it joins when its owner accepts.</summary>
    JoinInvitationSent = 4,
}

/// <param name="InvitationId">Set when an activation link was sent.</param>
public sealed record InvitationResult(Guid UserId, string Email, InvitationOutcome Outcome, Guid? InvitationId, DateTimeOffset? ExpiresAt);

/// <summary>The one-time code was emailed; it works until <paramref name="ExpiresAt"/>.</summary>
public sealed record CodeSent(DateTimeOffset ExpiresAt);

/// <summary>Who may now register a passkey through this link.</summary>
public sealed record ActivationTicket(Guid InvitationId, Guid UserId, string Email, InvitationPurpose Purpose, bool IsOnboarding);

/// <summary>
/// Invitations and their activation: the emailed link, the emailed one-time code (three tries,
/// then the link locks for a while, whoever tries next), and the single use of the link once a
/// passkey (or, for the first Owner of a new organization, a password) is set. Every change is
/// audited in its own transaction; emails go out after the commit.
/// </summary>
public sealed class InvitationService(
    PortalDbContext db,
    AuditTrail audit,
    TimeProvider clock,
    MembershipService memberships,
    MembershipInvitations joins,
    IOptions<InvitationOptions> options,
    IOptions<PublicUrlOptions> urls,
    IEmailSender email,
    UserManager<User> users)
{
    private readonly InvitationRecords _records = new(db, audit, clock, options.Value);

    /// <summary>
    /// Create user. A new (or Deactivated) person becomes Pending and gets an activation link (in
    /// an SSO organization: Active at once). An existing account is not added: it is invited to
    /// join and joins only when its owner accepts while signed in (<see cref="MembershipInvitations"/>),
    /// so an Owner cannot take hold of somebody else's account by typing its address. The page
    /// answers both the same way.
    /// The membership and the invitation are two commits: if the second never happens, the
    /// member shows as Pending and <see cref="ResendAsync"/> sends the link.
    /// </summary>
    public async Task<InvitationResult> InviteAsync(
        AuditActor actor, Guid organizationId, string email, MemberRoles roles, Uri activationBaseUri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(activationBaseUri);
        MemberAdded added;
        try
        {
            // A member who needs no activation is told in the transaction that adds them.
            added = await memberships.AddMemberAsync(actor, organizationId, email, roles, ExistingAccounts.Refuse,
                (added, ct) => added.NeedsActivation
                    ? Task.CompletedTask
                    : SendAsync(EmailTemplates.AddedToOrganization(added.User.Email ?? "", added.Membership.Organization.Name, roles.ToString(), urls.Value.Portal), ct),
                cancellationToken);
        }
        catch (DomainException refused) when (refused.Error == DomainErrors.AccountExists)
        {
            return await joins.InviteAsync(actor, organizationId, email, roles, cancellationToken);
        }

        var organization = added.Membership.Organization;
        var address = added.User.Email ?? "";
        if (!added.NeedsActivation)
        {
            var outcome = organization.Sso.Enabled ? InvitationOutcome.ActiveThroughSso : InvitationOutcome.AddedExistingAccount;
            return new InvitationResult(added.User.Id, address, outcome, null, null);
        }

        var issued = await db.InTransactionAsync(async ct =>
        {
            var user = await db.LockUserAsync(added.User.Id, ct);
            var issued = await _records.IssueAsync(actor, organizationId, user, roles, InvitationPurpose.Activation, isOnboarding: false, ct);
            await SendActivationAsync(issued, organization.Name, activationBaseUri, ct);
            return issued;
        }, cancellationToken);
        return new InvitationResult(added.User.Id, address, InvitationOutcome.ActivationSent, issued.Invitation.Id, issued.Invitation.ExpiresAt);
    }

    /// <summary>
    /// Sends a member who has not finished activating (or an account reset) a new link: new
    /// token, no code, no tries used, no lock. Every earlier link of theirs stops working.
    /// </summary>
    public async Task<InvitationResult> ResendAsync(
        AuditActor actor, Guid organizationId, Guid userId, Uri activationBaseUri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(activationBaseUri);
        var issued = await db.InTransactionAsync(async ct =>
        {
            var user = await db.LockUserAsync(userId, ct);
            var membership = await db.Memberships.Include(m => m.Organization).AsNoTracking()
                .SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.UserId == userId, ct)
                ?? throw new DomainException(DomainErrors.MembershipNotFound);
            // A new link supersedes every credential link of the account, whichever organization sent it.
            await db.EnsureMayActOnAccountAsync(actor, userId, ct);
            var purpose = user.State switch
            {
                UserState.Pending => InvitationPurpose.Activation,
                UserState.Reset => InvitationPurpose.AccountReset,
                _ => throw new DomainException(DomainErrors.InvitationNotPending),
            };
            // The first Owner of a new organization keeps the password option on a resent link.
            var onboarding = purpose == InvitationPurpose.Activation && await db.Invitations.AnyAsync(
                i => i.UserId == userId && i.OrganizationId == organizationId && i.IsOnboarding && i.UsedAt == null, ct);
            var roles = purpose == InvitationPurpose.Activation ? membership.Roles : default;
            var issued = await _records.IssueAsync(actor, organizationId, user, roles, purpose, onboarding, ct);
            if (purpose == InvitationPurpose.Activation)
            {
                await SendActivationAsync(issued, membership.Organization.Name, activationBaseUri, ct);
            }
            else
            {
                await SendAsync(EmailTemplates.AccountReset(issued.Email, issued.Invitation.ExpiresAt,
                    InvitationLinks.For(activationBaseUri, issued.Invitation.Purpose, issued.Token)), ct);
            }

            return issued;
        }, cancellationToken);

        return new InvitationResult(userId, issued.Email, InvitationOutcome.ActivationSent, issued.Invitation.Id, issued.Invitation.ExpiresAt);
    }

    /// <summary>
    /// What the page of an emailed link shows. Unknown, expired, used and superseded links are
    /// refused with distinct codes; the page decides how much of that to say.
    /// </summary>
    public async Task<InvitationView> OpenAsync(string token, CancellationToken cancellationToken = default)
    {
        var (invitation, user) = await _records.FindLiveAsync(token, cancellationToken);
        InvitationRecords.EnsureUserFits(invitation, user);
        var organizationName = invitation.OrganizationId is { } organizationId
            ? await db.Organizations.Where(o => o.Id == organizationId).Select(o => o.Name).SingleOrDefaultAsync(cancellationToken)
            : null;
        var now = clock.GetUtcNow();
        var lockEnded = invitation.LockedUntil is { } until && now >= until;
        return new InvitationView(
            invitation.Id,
            user.Id,
            invitation.Purpose,
            user.Email ?? "",
            organizationName,
            invitation.IsOnboarding,
            invitation.ExpiresAt,
            invitation.HasLiveCodeAt(now) ? invitation.CodeExpiresAt : null,
            invitation.CodeVerifiedAt is not null,
            invitation.IsLockedAt(now) ? invitation.LockedUntil : null,
            lockEnded ? options.Value.MaxCodeAttempts : Math.Max(0, options.Value.MaxCodeAttempts - invitation.FailedAttempts));
    }

    /// <summary>
    /// Emails a new one-time code, replacing any earlier one. The tries already used stay used
    /// (a new code is no new chance to guess), and a locked link sends nothing until the lock ends.
    /// </summary>
    public async Task<CodeSent> SendCodeAsync(string token, string? clientAddress = null, CancellationToken cancellationToken = default)
    {
        var expiresAt = await db.InTransactionAsync(async ct =>
        {
            var (invitation, user, now) = await LockForCodeAsync(token, ct);

            var code = invitation.IssueCode(now, options.Value.CodeLifetime);
            audit.Record(InvitationRecords.PersonOf(user, clientAddress), AuditActions.InvitationCodeSent, invitation.OrganizationId, user.Id,
                new { invitationId = invitation.Id, expiresAt = invitation.CodeExpiresAt });
            await SendAsync(EmailTemplates.ActivationCode(user.Email ?? "", code, invitation.CodeExpiresAt!.Value), ct);
            return invitation.CodeExpiresAt!.Value;
        }, cancellationToken);

        return new CodeSent(expiresAt);
    }

    /// <summary>
    /// Checks a code. Each wrong one is counted; the last allowed wrong one locks the link for
    /// <see cref="InvitationOptions.LockDuration"/>, whatever browser or session tries next, and
    /// a correct code during the lock is refused too. The count is exact under concurrency: every
    /// evaluation holds the link's row lock, so twenty parallel wrong codes make exactly
    /// <see cref="InvitationOptions.MaxCodeAttempts"/> evaluations.
    /// </summary>
    public async Task<InvitationPurpose> VerifyCodeAsync(string token, string code, string? clientAddress = null, CancellationToken cancellationToken = default)
    {
        // A wrong code is a refusal whose counting must be committed: the transaction returns
        // the refusal and it is thrown after the commit.
        var (purpose, refusal) = await db.InTransactionAsync(async ct =>
        {
            var (invitation, user, now) = await LockForCodeAsync(token, ct);

            if (invitation.CodeHash is null)
            {
                throw new DomainException(DomainErrors.CodeNotRequested);
            }

            if (!invitation.HasLiveCodeAt(now))
            {
                throw new DomainException(DomainErrors.CodeExpired);
            }

            var person = InvitationRecords.PersonOf(user, clientAddress);
            if (invitation.TryVerifyCode(code, now, options.Value.MaxCodeAttempts, options.Value.LockDuration))
            {
                // The code travelled to the address: it is proven (OIDC email_verified).
                user.EmailConfirmed = true;
                audit.Record(person, AuditActions.InvitationCodeVerified, invitation.OrganizationId, user.Id, new { invitationId = invitation.Id });
                return (invitation.Purpose, (DomainError?)null);
            }

            if (invitation.IsLockedAt(now))
            {
                audit.Record(person, AuditActions.InvitationLocked, invitation.OrganizationId, user.Id,
                    new { invitationId = invitation.Id, attempts = invitation.FailedAttempts, lockedUntil = invitation.LockedUntil });
                return (invitation.Purpose, DomainErrors.InvitationLocked(invitation.LockMinutesLeftAt(now)));
            }

            audit.Record(person, AuditActions.InvitationCodeFailed, invitation.OrganizationId, user.Id,
                new { invitationId = invitation.Id, attempts = invitation.FailedAttempts });
            return (invitation.Purpose, DomainErrors.CodeInvalid(options.Value.MaxCodeAttempts - invitation.FailedAttempts));
        }, cancellationToken);

        return refusal is null ? purpose : throw new DomainException(refusal);
    }

    /// <summary>
    /// Before the passkey ceremony: whether this link, with its code confirmed, lets its holder
    /// register a passkey, and for which account. Changes nothing; the IdP then runs
    /// <c>PasskeyService.BeginRegistrationAsync</c> for <see cref="ActivationTicket.UserId"/> and
    /// completes the ceremony inside <see cref="ActivateAsync"/>.
    /// </summary>
    public async Task<ActivationTicket> AuthorizeActivationAsync(string token, Guid? confirmedHereFor, CancellationToken cancellationToken = default)
    {
        var (invitation, user) = await _records.FindLiveAsync(token, cancellationToken);
        InvitationRecords.EnsureUserFits(invitation, user);
        EnsureCodeVerified(invitation, InvitationPurpose.Activation);
        EnsureConfirmedHere(invitation, confirmedHereFor);
        return new ActivationTicket(invitation.Id, user.Id, user.Email ?? "", invitation.Purpose, invitation.IsOnboarding);
    }

    /// <summary>
    /// The activation step in one transaction under the link's row lock: checks the link is live,
    /// its code confirmed and its account still waiting, runs <paramref name="register"/> (the
    /// passkey ceremony's completion, which makes the account Active), and uses the link up. Two
    /// concurrent completions, or a resend racing one, leave either a used link and one new passkey
    /// or nothing at all.
    /// </summary>
    public Task<T> ActivateAsync<T>(
        string token, Guid? confirmedHereFor, string? clientAddress, Func<ActivationTicket, CancellationToken, Task<T>> register,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(register);
        return db.InTransactionAsync(async ct =>
        {
            var (invitation, user) = await _records.LockLiveAsync(token, ct);
            InvitationRecords.EnsureUserFits(invitation, user);
            EnsureCodeVerified(invitation, InvitationPurpose.Activation);
            EnsureConfirmedHere(invitation, confirmedHereFor);
            var result = await register(new ActivationTicket(invitation.Id, user.Id, user.Email ?? "", invitation.Purpose, invitation.IsOnboarding), ct);
            await db.Entry(user).ReloadAsync(ct);
            if (user.State != UserState.Active || !await db.PasskeyCredentials.AnyAsync(p => p.UserId == user.Id, ct))
            {
                throw new DomainException(DomainErrors.InvitationWrongStep);
            }

            _records.MarkUsed(InvitationRecords.PersonOf(user, clientAddress), invitation);
            return result;
        }, cancellationToken);
    }

    /// <summary>
    /// SPEC Onboarding: the first Owner of a new organization may activate with a password
    /// instead of a passkey; they are then Active (demo mode) until they register one, which
    /// deletes the password. Only their onboarding link allows it.
    /// </summary>
    public async Task<Guid> OnboardingPasswordAsync(
        string token, string password, Guid? confirmedHereFor, string? clientAddress = null, CancellationToken cancellationToken = default)
    {
        var (found, owner) = await _records.FindLiveAsync(token, cancellationToken);
        EnsureOnboardingPasswordAllowed(found, owner);
        EnsureConfirmedHere(found, confirmedHereFor);
        await InvitationRecords.EnsurePasswordAllowedAsync(users, owner, password);

        return await db.InTransactionAsync(async ct =>
        {
            var (invitation, user) = await _records.LockLiveAsync(token, ct);
            EnsureOnboardingPasswordAllowed(invitation, user);
            EnsureConfirmedHere(invitation, confirmedHereFor);
            var person = InvitationRecords.PersonOf(user, clientAddress);
            user.PasswordHash = users.PasswordHasher.HashPassword(user, password);
            user.TransitionTo(UserState.ActiveDemo, clock.GetUtcNow());
            user.RotateSecurityStamp();
            audit.Record(person, AuditActions.PasswordSet, invitation.OrganizationId, user.Id, new { reason = "onboarding" });
            audit.Record(person, AuditActions.UserStateChanged, null, user.Id,
                new { from = nameof(UserState.Pending), to = nameof(UserState.ActiveDemo), reason = "onboarding password" });
            _records.MarkUsed(person, invitation);
            return user.Id;
        }, cancellationToken);
    }

    /// <summary>
    /// Audits a refused use of a link (forged, expired, used, superseded, wrong step, someone
    /// else's session): against the link's account when the token names one, else anonymously.
    /// The raw token is never stored; a forged one is kept as the first bytes of its hash.
    /// </summary>
    public async Task RecordRefusalAsync(
        string? token, string reason, string step, string? clientAddress, Guid? sessionUserId = null, CancellationToken cancellationToken = default)
    {
        var hash = Invitation.HashToken(token);
        var invitation = hash is null ? null : await db.Invitations.AsNoTracking()
            .Where(i => i.TokenHash == hash)
            .Select(i => new { i.Id, i.OrganizationId, i.UserId, i.Purpose })
            .SingleOrDefaultAsync(cancellationToken);
        var actor = sessionUserId is { } signedIn
            ? await db.Users.AsNoTracking().Where(u => u.Id == signedIn)
                .Select(u => new AuditActor(u.Id, u.Email ?? "", clientAddress)).SingleOrDefaultAsync(cancellationToken)
            : null;
        audit.Record(actor ?? new AuditActor(null, "anonymous", clientAddress), AuditActions.InvitationRefused,
            invitation?.OrganizationId, invitation?.UserId, new
            {
                reason,
                step,
                invitationId = invitation?.Id,
                purpose = invitation?.Purpose.ToString(),
                tokenHash = invitation is null && hash is not null ? Convert.ToHexString(hash, 0, 8) : null,
            });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// The start of both code steps: the link's row lock, a live link of an account still waiting
    /// for it, no code confirmed yet, and no lock in force (an expired one is released).
    /// </summary>
    private async Task<(Invitation Invitation, User User, DateTimeOffset Now)> LockForCodeAsync(string token, CancellationToken ct)
    {
        var (invitation, user) = await _records.LockLiveAsync(token, ct);
        InvitationRecords.EnsureUserFits(invitation, user);
        EnsureAwaitingCode(invitation);
        var now = clock.GetUtcNow();
        invitation.ReleaseExpiredLock(now);
        if (invitation.IsLockedAt(now))
        {
            throw new DomainException(DomainErrors.InvitationLocked(invitation.LockMinutesLeftAt(now)));
        }

        return (invitation, user, now);
    }

    internal static void EnsureAwaitingCode(Invitation invitation)
    {
        if (!invitation.NeedsCode)
        {
            throw new DomainException(DomainErrors.InvitationWrongStep);
        }

        // An activation link confirmed in another browser may be confirmed again in this one
        // (the passkey step needs the confirmation in the browser that finishes it).
        if (invitation.CodeVerifiedAt is not null && invitation.Purpose != InvitationPurpose.Activation)
        {
            throw new DomainException(DomainErrors.CodeAlreadyVerified);
        }
    }

    /// <summary>
    /// A confirmed link is no bearer credential: its last step works only in a browser that
    /// confirmed a code of this account's link (the IdP keeps that in a short-lived protected cookie).
    /// </summary>
    internal static void EnsureConfirmedHere(Invitation invitation, Guid? confirmedHereFor)
    {
        if (confirmedHereFor != invitation.UserId)
        {
            throw new DomainException(DomainErrors.LinkNotConfirmedHere);
        }
    }

    internal static void EnsureCodeVerified(Invitation invitation, InvitationPurpose purpose)
    {
        if (invitation.Purpose != purpose)
        {
            throw new DomainException(DomainErrors.InvitationWrongStep);
        }

        if (invitation.CodeVerifiedAt is null)
        {
            throw new DomainException(DomainErrors.CodeRequired);
        }
    }

    private static void EnsureOnboardingPasswordAllowed(Invitation invitation, User user)
    {
        if (invitation.Purpose != InvitationPurpose.Activation || !invitation.IsOnboarding || user.State != UserState.Pending)
        {
            throw new DomainException(DomainErrors.OnboardingPasswordNotAllowed);
        }

        EnsureCodeVerified(invitation, InvitationPurpose.Activation);
    }

    internal Task SendActivationAsync(IssuedInvitation issued, string organizationName, Uri linkBase, CancellationToken cancellationToken) =>
        SendAsync(EmailTemplates.ActivationInvitation(issued.Email, organizationName, issued.Invitation.ExpiresAt,
            InvitationLinks.For(linkBase, InvitationPurpose.Activation, issued.Token)), cancellationToken);

    private Task SendAsync(EmailMessage message, CancellationToken cancellationToken) => email.SendAsync(message, cancellationToken);
}
