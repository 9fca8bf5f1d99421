using KeyPortal.Core.Mail;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Invitations;

/// <summary>An open invitation of an existing account to join an organization.</summary>
public sealed record MembershipInvitationView(
    Guid InvitationId, Guid OrganizationId, string OrganizationName, Guid UserId, string Email, MemberRoles Roles,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// SPEC Creating users: "a person who already has an account gets an invitation to join that they
/// accept while signed in; until then the membership is pending, gives no access, and the Owner
/// can withdraw it". An open invitation is an <see cref="Invitation"/> of purpose
/// <see cref="InvitationPurpose.Membership"/>: no membership row exists until acceptance, so
/// nothing that grants access (permissions, the organization menu, Owner counts) can see it.
/// </summary>
public sealed class MembershipInvitations(
    PortalDbContext db,
    AuditTrail audit,
    TimeProvider clock,
    MembershipService memberships,
    IOptions<InvitationOptions> options,
    IOptions<PublicUrlOptions> urls,
    ILookupNormalizer normalizer,
    IEmailSender email)
{
    /// <summary>The Portal page where the invited person accepts or declines.</summary>
    public const string PortalPath = "invitations";

    private readonly InvitationRecords _records = new(db, audit, clock, options.Value);

    /// <summary>
    /// Invites an existing account (a new invitation replaces an open one of the same organization).
    /// The answer looks like the one for a new person: the Owner learns nothing about the account.
    /// </summary>
    public async Task<InvitationResult> InviteAsync(
        AuditActor actor, Guid organizationId, string address, MemberRoles roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var normalized = normalizer.NormalizeEmail(EmailAddress.Parse(address));
        var issued = await db.InTransactionAsync(async ct =>
        {
            var organization = await db.Organizations.SingleOrDefaultAsync(o => o.Id == organizationId, ct)
                ?? throw new DomainException(DomainErrors.OrganizationNotFound);
            Membership.EnsureAllowedIn(organization, roles);
            var userId = await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.Id).SingleAsync(ct);
            var user = await db.LockUserAsync(userId, ct);
            if (await db.Memberships.AnyAsync(m => m.OrganizationId == organizationId && m.UserId == user.Id, ct))
            {
                throw new DomainException(DomainErrors.AlreadyMember);
            }

            var issued = await _records.IssueAsync(actor, organizationId, user, roles, InvitationPurpose.Membership, isOnboarding: false, ct);
            audit.Record(actor, AuditActions.MemberInvited, organizationId, user.Id, new { email = user.Email, roles = roles.ToString(), invitationId = issued.Invitation.Id });
            await email.SendAsync(EmailTemplates.MembershipInvitation(issued.Email, organization.Name, roles.ToString(),
                issued.Invitation.ExpiresAt, new Uri(urls.Value.Portal, PortalPath)), ct);
            return issued;
        }, cancellationToken);

        return new InvitationResult(issued.Invitation.UserId, issued.Email, InvitationOutcome.JoinInvitationSent, issued.Invitation.Id, issued.Invitation.ExpiresAt);
    }

    /// <summary>The open invitations of one organization (for its Owners, who may withdraw them).</summary>
    public Task<List<MembershipInvitationView>> ListForOrganizationAsync(Guid organizationId, CancellationToken cancellationToken = default) =>
        OpenAsync(organizationId, null, cancellationToken);

    /// <summary>The open invitations of the signed-in person.</summary>
    public Task<List<MembershipInvitationView>> ListForUserAsync(Guid userId, CancellationToken cancellationToken = default) =>
        OpenAsync(null, userId, cancellationToken);

    /// <summary>
    /// The invited person accepts, signed in as themself: the membership is created with the
    /// invited roles and the invitation is used up, in one transaction under its row lock.
    /// </summary>
    public Task AcceptAsync(AuditActor person, Guid invitationId, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            // Locks in the order every membership change takes them (organization, then person,
            // then the invitation), so accepting while an Owner adds or invites the same person
            // waits instead of deadlocking.
            var personId = person?.UserId ?? throw new DomainException(DomainErrors.MembershipInvitationNotFound);
            RefuseFederated(person);
            var organizationId = await db.Invitations.AsNoTracking()
                .Where(i => i.Id == invitationId && i.UserId == personId && i.Purpose == InvitationPurpose.Membership)
                .Select(i => i.OrganizationId).SingleOrDefaultAsync(ct) ?? throw new DomainException(DomainErrors.MembershipInvitationNotFound);
            await memberships.LockOrganizationAsync(organizationId, ct);
            var user = await db.LockUserAsync(personId, ct);
            var invitation = await LockOpenAsync(invitationId, person, ct);
            if (!user.State.MayHoldSession())
            {
                throw new DomainException(DomainErrors.MembershipInvitationNotFound);
            }

            await memberships.AddAcceptedMemberAsync(person, invitation.OrganizationId!.Value, user, invitation.Roles, ct);
            _records.MarkUsed(person, invitation);
            audit.Record(person, AuditActions.MemberInvitationAccepted, invitation.OrganizationId, user.Id, new { invitationId });
            return true;
        }, cancellationToken);

    /// <summary>The invited person declines: the invitation stops working; nothing else changes.</summary>
    public Task DeclineAsync(AuditActor person, Guid invitationId, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            RefuseFederated(person);
            var invitation = await LockOpenAsync(invitationId, person, ct);
            invitation.Supersede(clock.GetUtcNow());
            audit.Record(person, AuditActions.MemberInvitationDeclined, invitation.OrganizationId, invitation.UserId, new { invitationId });
            return true;
        }, cancellationToken);

    /// <summary>
    /// Joining (or refusing) another organization is the person's own decision: a session one
    /// organization's identity provider made does not answer for them.
    /// </summary>
    private static void RefuseFederated(AuditActor? person)
    {
        if (person?.SessionScope is not null)
        {
            throw new DomainException(DomainErrors.FederatedSessionBeyondOrganization);
        }
    }

    /// <summary>An Owner of the organization withdraws an open invitation of theirs.</summary>
    public Task WithdrawAsync(AuditActor actor, Guid organizationId, Guid invitationId, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            var invitation = await LockOpenAsync(invitationId, null, ct);
            if (invitation.OrganizationId != organizationId)
            {
                throw new DomainException(DomainErrors.MembershipInvitationNotFound);
            }

            invitation.Supersede(clock.GetUtcNow());
            audit.Record(actor, AuditActions.MemberInvitationWithdrawn, organizationId, invitation.UserId, new { invitationId });
            return true;
        }, cancellationToken);

    private async Task<List<MembershipInvitationView>> OpenAsync(Guid? organizationId, Guid? userId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var rows = await (
            from i in db.Invitations.AsNoTracking()
            where i.Purpose == InvitationPurpose.Membership && i.UsedAt == null && i.SupersededAt == null && i.ExpiresAt > now
                && (organizationId == null || i.OrganizationId == organizationId) && (userId == null || i.UserId == userId)
            join o in db.Organizations on i.OrganizationId equals o.Id
            join u in db.Users on i.UserId equals u.Id
            select new { i.Id, OrganizationId = o.Id, o.Name, UserId = u.Id, u.Email, i.OrganizationRole, i.ChannelRoles, i.CreatedAt, i.ExpiresAt })
            .ToListAsync(ct);
        return [.. rows.OrderByDescending(r => r.CreatedAt).Select(r => new MembershipInvitationView(
            r.Id, r.OrganizationId, r.Name, r.UserId, r.Email ?? "", new MemberRoles(r.OrganizationRole, r.ChannelRoles), r.CreatedAt, r.ExpiresAt))];
    }

    /// <summary>
    /// Takes the invitation's row lock and refuses anything but an open join invitation (of
    /// <paramref name="person"/>, when given): someone else's invitation is "not found".
    /// </summary>
    private async Task<Invitation> LockOpenAsync(Guid invitationId, AuditActor? person, CancellationToken ct)
    {
        var personId = person?.UserId;
        var locked = await db.Invitations
            .Where(i => i.Id == invitationId && i.Purpose == InvitationPurpose.Membership && (personId == null || i.UserId == personId))
            .ExecuteUpdateAsync(set => set.SetProperty(i => i.Version, i => i.Version + 1), ct);
        if (locked == 0 || (person is not null && personId is null))
        {
            throw new DomainException(DomainErrors.MembershipInvitationNotFound);
        }

        var invitation = await db.Invitations.SingleAsync(i => i.Id == invitationId, ct);
        await db.Entry(invitation).ReloadAsync(ct);
        if (invitation.RefusalAt(clock.GetUtcNow()) is not null)
        {
            throw new DomainException(DomainErrors.MembershipInvitationNotFound);
        }

        return invitation;
    }
}
