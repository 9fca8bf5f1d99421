using KeyPortal.Core.Mail;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Invitations;

/// <summary>The new organization, its first Owner and how the Owner was told.</summary>
public sealed record OrganizationOnboarded(Organization Organization, InvitationResult Owner);

/// <summary>
/// SPEC Onboarding: an operator creates an organization with its first user, who is Owner
/// automatically and is invited with the onboarding link (the only one that allows activating
/// with a password, into demo mode).
/// </summary>
public sealed class OrganizationOnboarding(
    PortalDbContext db,
    AuditTrail audit,
    TimeProvider clock,
    OrganizationService organizations,
    MembershipService memberships,
    InvitationService invitations,
    IOptions<InvitationOptions> options,
    IOptions<PublicUrlOptions> urls,
    IEmailSender email)
{
    private readonly InvitationRecords _records = new(db, audit, clock, options.Value);

    /// <summary>
    /// Organization, Owner membership and invitation in one transaction: an operator never
    /// leaves an organization without its Owner. The email is queued in the same transaction.
    /// </summary>
    public async Task<OrganizationOnboarded> CreateWithFirstOwnerAsync(
        AuditActor actor, string name, string slug, OrganizationKind kind, string ownerEmail, Uri activationBaseUri,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(activationBaseUri);
        var (organization, added, issued) = await db.InTransactionAsync(async ct =>
        {
            // Both services join this transaction (PortalDbContext.InTransactionAsync nests).
            var organization = await organizations.CreateAsync(actor, name, slug, kind, ct);
            var added = await memberships.AddMemberAsync(actor, organization.Id, ownerEmail, MemberRoles.Owner, ct);
            IssuedInvitation? issued = null;
            if (added.NeedsActivation)
            {
                var user = await db.LockUserAsync(added.User.Id, ct);
                issued = await _records.IssueAsync(actor, organization.Id, user, MemberRoles.Owner, InvitationPurpose.Activation, isOnboarding: true, ct);
                await invitations.SendActivationAsync(issued, organization.Name, activationBaseUri, ct);
            }
            else
            {
                // An existing account (e.g. an Owner elsewhere) needs no activation.
                await email.SendAsync(EmailTemplates.AddedToOrganization(added.User.Email ?? "", organization.Name, MemberRoles.Owner.ToString(), urls.Value.Portal), ct);
            }

            return (organization, added, issued);
        }, cancellationToken);

        var address = added.User.Email ?? "";
        if (issued is null)
        {
            var outcome = organization.Sso.Enabled ? InvitationOutcome.ActiveThroughSso : InvitationOutcome.AddedExistingAccount;
            return new OrganizationOnboarded(organization, new InvitationResult(added.User.Id, address, outcome, null, null));
        }

        return new OrganizationOnboarded(organization,
            new InvitationResult(added.User.Id, address, InvitationOutcome.ActivationSent, issued.Invitation.Id, issued.Invitation.ExpiresAt));
    }
}
