using KeyPortal.Core.Mail;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Invitations;

/// <summary>How an operator's addition ended: the person and how they were told; whether an existing member was promoted.</summary>
public sealed record OperatorMemberAdded(InvitationResult Person, bool Promoted);

/// <summary>
/// Memberships the vendor's staff make (SPEC Onboarding; the seed's "contact the vendor to set up
/// a new Console Owner"): unlike an Owner's "Create user", an existing account joins at once (the
/// operator has checked who the person is) and is told by email; a new person gets an activation
/// link. Operators only, checked here. The membership, any activation link and the audit entries
/// are one transaction; the email goes out after the commit.
/// </summary>
public sealed class OperatorMemberships(
    PortalDbContext db,
    AuditTrail audit,
    TimeProvider clock,
    MembershipService memberships,
    InvitationService invitations,
    ILookupNormalizer normalizer,
    IOptions<InvitationOptions> options,
    IOptions<PublicUrlOptions> urls,
    IEmailSender email)
{
    private readonly InvitationRecords _records = new(db, audit, clock, options.Value);

    /// <summary>Adds an existing or new person with <paramref name="roles"/>.</summary>
    public Task<OperatorMemberAdded> AddAsync(
        AuditActor actor, Guid organizationId, string address, MemberRoles roles, Uri activationBaseUri, CancellationToken cancellationToken = default) =>
        AddOrAppointAsync(actor, organizationId, address, roles, reason: null, activationBaseUri, cancellationToken);

    /// <summary>
    /// Appoints an Owner, for an organization that lost its last one or whose only Owner is locked
    /// out: a member is made Owner (keeping their channel roles), anybody else joins as Owner. The
    /// reason is required and kept in the audit trail. A suspended account is refused.
    /// </summary>
    public Task<OperatorMemberAdded> AppointOwnerAsync(
        AuditActor actor, Guid organizationId, string address, string reason, Uri activationBaseUri, CancellationToken cancellationToken = default) =>
        AddOrAppointAsync(actor, organizationId, address, MemberRoles.Owner, UserAccountService.RequireReason(reason), activationBaseUri, cancellationToken);

    private async Task<OperatorMemberAdded> AddOrAppointAsync(
        AuditActor actor, Guid organizationId, string address, MemberRoles roles, string? reason, Uri activationBaseUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(activationBaseUri);
        var parsed = EmailAddress.Parse(address);
        var normalized = normalizer.NormalizeEmail(parsed);
        var appointing = reason is not null;
        var outcome = await db.InTransactionAsync(async ct =>
        {
            await db.EnsurePlatformOperatorAsync(actor, ct);
            var organization = await db.LockOrganizationAsync(organizationId, ct);
            var existing = await db.Users.AsNoTracking().Where(u => u.NormalizedEmail == normalized)
                .Select(u => new { u.Id, u.State }).SingleOrDefaultAsync(ct);
            // A suspended account is made Owner of nothing, by appointment or by addition.
            if ((appointing || roles.IsOwner) && existing?.State == UserState.Suspended)
            {
                throw new DomainException(DomainErrors.AppointeeSuspended);
            }

            var membership = existing is null ? null : await db.Memberships.AsNoTracking()
                .SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.UserId == existing.Id, ct);
            if (membership is not null && appointing)
            {
                if (membership.Roles.IsOwner)
                {
                    throw new DomainException(DomainErrors.AlreadyOwner);
                }

                await memberships.ChangeRolesAsync(actor, organizationId, membership.UserId,
                    new MemberRoles(OrganizationRole.Owner, membership.ChannelRoles), ct);
                audit.Record(actor, AuditActions.OwnerAppointed, organizationId, membership.UserId, new { email = parsed, reason, promoted = true });
                var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == membership.UserId, ct);
                await email.SendAsync(EmailTemplates.AddedToOrganization(user.Email ?? parsed, organization.Name, roles.ToString(), urls.Value.Portal), ct);
                return (User: user, Organization: organization, Issued: (IssuedInvitation?)null, Promoted: true);
            }

            // An existing member without appointing: AddMemberAsync refuses with AlreadyMember.
            var added = await memberships.AddMemberAsync(actor, organizationId, parsed, roles, ExistingAccounts.AddDirectly, ct);
            IssuedInvitation? issued = null;
            if (added.NeedsActivation)
            {
                var user = await db.LockUserAsync(added.User.Id, ct);
                issued = await _records.IssueAsync(actor, organizationId, user, roles, InvitationPurpose.Activation, isOnboarding: false, ct);
            }

            if (appointing)
            {
                audit.Record(actor, AuditActions.OwnerAppointed, organizationId, added.User.Id, new { email = parsed, reason, promoted = false });
            }

            if (issued is not null)
            {
                await invitations.SendActivationAsync(issued, organization.Name, activationBaseUri, ct);
            }
            else
            {
                await email.SendAsync(EmailTemplates.AddedToOrganization(added.User.Email ?? parsed, organization.Name, roles.ToString(), urls.Value.Portal), ct);
            }

            return (added.User, Organization: organization, Issued: issued, Promoted: false);
        }, cancellationToken);

        var (person, joined, link, promoted) = outcome;
        var to = person.Email ?? parsed;
        if (link is not null)
        {
            return new OperatorMemberAdded(
                new InvitationResult(person.Id, to, InvitationOutcome.ActivationSent, link.Invitation.Id, link.Invitation.ExpiresAt), promoted);
        }

        var told = joined.Sso.Enabled && !promoted ? InvitationOutcome.ActiveThroughSso : InvitationOutcome.AddedExistingAccount;
        return new OperatorMemberAdded(new InvitationResult(person.Id, to, told, null, null), promoted);
    }
}
