using KeyPortal.Core.Organizations;

namespace KeyPortal.Admin.Pages.PurchaseOrders;

/// <summary>An organization an operator can pick on the purchase-order pages.</summary>
public sealed record OrganizationChoice(Guid Id, string Name, string Slug, OrganizationKind Kind)
{
    public bool Is(OrganizationKind kind) => Kind.HasFlag(kind);
}

/// <summary>Every organization by name, read once per page for its selects.</summary>
public static class OrganizationChoices
{
    public static async Task<IReadOnlyList<OrganizationChoice>> LoadAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Organizations.AsNoTracking()
            .OrderBy(o => o.Name).ThenBy(o => o.Slug)
            .Select(o => new OrganizationChoice(o.Id, o.Name, o.Slug, o.Kind))
            .ToListAsync(cancellationToken);
    }
}
