using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Admin.Pages.Organizations;

/// <summary>Every organization, for operators (the console admits only platform operators).</summary>
public sealed class IndexModel(PortalDbContext db) : PageModel
{
    public const int PageSize = 50;

    /// <summary>Name or short name starting with this text.</summary>
    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; } = 1;

    public IReadOnlyList<Row> Organizations { get; private set; } = [];

    public int Total { get; private set; }

    public sealed record Row(Guid Id, string Name, string Slug, OrganizationKind Kind, DateTimeOffset CreatedAt, int Members, int Owners);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var query = db.Organizations.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(Search))
        {
            var text = Search.Trim();
            var slug = text.ToLowerInvariant();
            query = query.Where(o => o.Name.StartsWith(text) || o.Slug.StartsWith(slug));
        }

        Total = await query.CountAsync(cancellationToken);
        PageNumber = Math.Clamp(PageNumber, 1, Math.Max(1, (Total + PageSize - 1) / PageSize));
        Organizations = await query.OrderBy(o => o.Name).ThenBy(o => o.Slug)
            .Skip((PageNumber - 1) * PageSize).Take(PageSize)
            .Select(o => new Row(o.Id, o.Name, o.Slug, o.Kind, o.CreatedAt,
                db.Memberships.Count(m => m.OrganizationId == o.Id),
                db.Memberships.Count(m => m.OrganizationId == o.Id && m.OrganizationRole == OrganizationRole.Owner)))
            .ToListAsync(cancellationToken);
    }
}
