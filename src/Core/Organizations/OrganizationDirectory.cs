namespace KeyPortal.Core.Organizations;

/// <summary>An organization as operators list and read it: kinds, how many members and Owners, single sign-on on or off.</summary>
public sealed record OrganizationRow(
    Guid Id, string Name, string Slug, OrganizationKind Kind, DateTimeOffset CreatedAt, int Members, int Owners, bool SingleSignOn);

/// <summary>One page of a search; <paramref name="Next"/> is the cursor of the following page, null on the last.</summary>
public sealed record OrganizationPage(IReadOnlyList<OrganizationRow> Rows, string? Next);

/// <summary>
/// Every organization, for platform operators only (the console and its API admit nobody else):
/// search by the start of the name or short name, and one organization. Keyset paged by id
/// (time-ordered UUIDv7, <see cref="Delivery.Cursor"/>): organizations onboarded while someone
/// pages never shift the pages already read.
/// </summary>
public sealed class OrganizationDirectory(PortalDbContext db)
{
    /// <summary>
    /// Organizations, oldest first, whose name starts with <paramref name="prefix"/> (as typed, or
    /// in any case for ASCII letters, on both databases) or whose short name does (short names are
    /// lowercase); every organization when empty.
    /// </summary>
    public async Task<OrganizationPage> SearchAsync(string? prefix, string? after, int? limit, CancellationToken cancellationToken = default)
    {
        var take = Delivery.Cursor.Limit(limit);
        var last = Delivery.Cursor.Decode(after);
        var organizations = db.Organizations.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(prefix))
        {
            var text = prefix.Trim();
            if (text.Length > Organization.MaxNameLength)
            {
                // Longer than any name or short name: nothing starts with it.
                return new OrganizationPage([], null);
            }

            var upper = text.ToUpperInvariant();
            var slug = text.ToLowerInvariant();
            // The column through SQL's upper(), the text through ToUpperInvariant: EF Core translates no StringComparison overload.
#pragma warning disable CA1862
            organizations = organizations.Where(o => o.Name.StartsWith(text) || o.Name.ToUpper().StartsWith(upper) || o.Slug.StartsWith(slug));
#pragma warning restore CA1862
        }

        if (last is { } id)
        {
            organizations = organizations.Where(o => o.Id.CompareTo(id) > 0);
        }

        var rows = await Rows(organizations.OrderBy(o => o.Id).Take(take + 1)).ToListAsync(cancellationToken);
        var page = rows.Take(take).ToList();
        return new OrganizationPage(page, rows.Count > take ? Delivery.Cursor.Encode(page[^1].Id) : null);
    }

    /// <summary>One organization; refused with <see cref="DomainErrors.OrganizationNotFound"/> when there is none.</summary>
    public async Task<OrganizationRow> GetAsync(Guid organizationId, CancellationToken cancellationToken = default) =>
        await Rows(db.Organizations.AsNoTracking().Where(o => o.Id == organizationId)).SingleOrDefaultAsync(cancellationToken)
        ?? throw new DomainException(DomainErrors.OrganizationNotFound);

    private IQueryable<OrganizationRow> Rows(IQueryable<Organization> organizations) =>
        organizations.Select(o => new OrganizationRow(
            o.Id, o.Name, o.Slug, o.Kind, o.CreatedAt,
            db.Memberships.Count(m => m.OrganizationId == o.Id),
            db.Memberships.Count(m => m.OrganizationId == o.Id && m.OrganizationRole == OrganizationRole.Owner),
            o.Sso.Enabled));
}
