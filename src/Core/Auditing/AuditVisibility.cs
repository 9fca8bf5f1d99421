namespace KeyPortal.Core.Auditing;

/// <summary>
/// Which audit entries a member of an organization may see. An organization's trail is its own
/// entries; a member's page adds what the member or the system did to the account itself
/// (sign-ins, credentials), never what another organization did.
/// </summary>
public static class AuditVisibility
{
    /// <summary>The organization's own trail.</summary>
    public static IQueryable<AuditEntry> OfOrganization(this IQueryable<AuditEntry> entries, Guid organizationId) =>
        entries.Where(a => a.OrganizationId == organizationId);

    /// <summary>
    /// The entries about <paramref name="userId"/> that their organization <paramref name="organizationId"/>
    /// may see. The vendor's own dealings with the account (making it a platform operator) are
    /// not the organization's business, and would tell it who the vendor's staff are.
    /// </summary>
    public static IQueryable<AuditEntry> AboutMember(this IQueryable<AuditEntry> entries, Guid organizationId, Guid userId) =>
        entries.Where(a => a.TargetUserId == userId
            && (a.OrganizationId == organizationId
                || (a.OrganizationId == null && (a.ActorUserId == userId || a.ActorUserId == null) && a.Action != AuditActions.OperatorGranted)));
}
