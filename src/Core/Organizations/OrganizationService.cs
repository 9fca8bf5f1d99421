namespace KeyPortal.Core.Organizations;

public sealed class OrganizationService(PortalDbContext db, AuditTrail audit, TimeProvider clock)
{
    public async Task<Organization> CreateAsync(
        AuditActor actor, string name, string slug, OrganizationKind kind, CancellationToken cancellationToken = default)
    {
        var organization = Organization.Create(name, slug, kind, clock.GetUtcNow());
        try
        {
            return await db.InTransactionAsync(async ct =>
            {
                if (await db.Organizations.AnyAsync(o => o.Slug == organization.Slug, ct))
                {
                    throw new DomainException(DomainErrors.OrganizationSlugTaken);
                }

                db.Organizations.Add(organization);
                audit.Record(actor, AuditActions.OrganizationCreated, organization.Id, null,
                    new { name = organization.Name, slug = organization.Slug, kind = organization.Kind.ToString() });
                return organization;
            }, cancellationToken);
        }
        catch (DbUpdateException exception) when (DatabaseErrors.IsUniqueViolation(exception))
        {
            throw new DomainException(DomainErrors.OrganizationSlugTaken);
        }
    }
}
