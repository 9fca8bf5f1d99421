namespace KeyPortal.Core.Organizations;

internal static class OrganizationRowLock
{
    /// <summary>
    /// Takes the organization's row lock for the rest of the transaction (PostgreSQL row lock;
    /// SQLite write transactions are already exclusive), so membership and kind changes of one
    /// organization run one after another and each reads the previous one's result.
    /// </summary>
    public static async Task<Organization> LockOrganizationAsync(this PortalDbContext db, Guid organizationId, CancellationToken ct)
    {
        var locked = await db.Organizations
            .Where(o => o.Id == organizationId)
            .ExecuteUpdateAsync(set => set.SetProperty(o => o.MembershipVersion, o => o.MembershipVersion + 1), ct);
        if (locked == 0)
        {
            throw new DomainException(DomainErrors.OrganizationNotFound);
        }

        return await db.Organizations.SingleAsync(o => o.Id == organizationId, ct);
    }
}
