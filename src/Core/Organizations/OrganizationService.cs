namespace KeyPortal.Core.Organizations;

public sealed class OrganizationService(PortalDbContext db, AuditTrail audit, TimeProvider clock)
{
    /// <summary>
    /// Operators only. Changes what the organization is, under its row lock (membership changes
    /// wait): a kind is removed only when nothing depends on it (members holding its channel role,
    /// purchase orders naming the organization in that capacity, the Owner a Customer must keep).
    /// Returns false when the kinds were already these.
    /// </summary>
    public Task<bool> ChangeKindAsync(AuditActor actor, Guid organizationId, OrganizationKind kind, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            ArgumentNullException.ThrowIfNull(actor);
            await db.EnsurePlatformOperatorAsync(actor, ct);
            var organization = await db.LockOrganizationAsync(organizationId, ct);
            var from = organization.Kind;
            Organization.EnsureValid(kind);
            if (from == kind)
            {
                return false;
            }

            var removed = from & ~kind;
            if (removed.HasFlag(OrganizationKind.Reseller)
                && await db.Memberships.AnyAsync(m => m.OrganizationId == organizationId && (m.ChannelRoles & ChannelRoles.Reseller) != 0, ct))
            {
                throw new DomainException(DomainErrors.KindInUse(OrganizationKind.Reseller, "members hold the Reseller role"));
            }

            if (removed.HasFlag(OrganizationKind.Distributor)
                && await db.Memberships.AnyAsync(m => m.OrganizationId == organizationId && (m.ChannelRoles & ChannelRoles.Distributor) != 0, ct))
            {
                throw new DomainException(DomainErrors.KindInUse(OrganizationKind.Distributor, "members hold the Distributor role"));
            }

            if ((removed.HasFlag(OrganizationKind.Customer) && await db.PurchaseOrders.AnyAsync(o => o.CustomerOrganizationId == organizationId, ct))
                || (removed.HasFlag(OrganizationKind.Reseller) && await db.PurchaseOrders.AnyAsync(o => o.ResellerOrganizationId == organizationId, ct))
                || (removed.HasFlag(OrganizationKind.Distributor) && await db.PurchaseOrders.AnyAsync(o => o.DistributorOrganizationId == organizationId, ct)))
            {
                var first = removed.HasFlag(OrganizationKind.Customer) ? OrganizationKind.Customer
                    : removed.HasFlag(OrganizationKind.Reseller) ? OrganizationKind.Reseller : OrganizationKind.Distributor;
                throw new DomainException(DomainErrors.KindInUse(first, "purchase orders name it as such"));
            }

            var added = kind & ~from;
            if (added.HasFlag(OrganizationKind.Customer)
                && !await db.Memberships.AnyAsync(m => m.OrganizationId == organizationId && m.OrganizationRole == OrganizationRole.Owner, ct))
            {
                throw new DomainException(DomainErrors.CustomerNeedsOwner);
            }

            organization.ChangeKind(kind);
            audit.Record(actor, AuditActions.OrganizationKindChanged, organizationId, null, new { from = from.ToString(), to = kind.ToString() });
            return true;
        }, cancellationToken);

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
