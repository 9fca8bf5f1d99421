using System.Security.Claims;
using KeyPortal.Core.Authorization;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Sessions;

namespace KeyPortal.Portal.Organizations;

/// <summary>One of the signed-in user's organizations, with their roles there.</summary>
public sealed record OrganizationMembership(Guid Id, string Name, string Slug, OrganizationKind Kind, MemberRoles Roles);

/// <summary>
/// The organization the signed-in user is working in: chosen in the header menu, kept in the
/// session cookie (claim <see cref="Claim"/>), and checked against the user's memberships on every
/// request, so a removed membership falls back to another organization at once. Every page and
/// query of the Portal is scoped to it, and the permission policies read it.
/// </summary>
public sealed class CurrentOrganization(PortalDbContext db) : ICurrentOrganization
{
    public const string Claim = "ks:org";

    public OrganizationMembership? Current { get; private set; }

    /// <summary>All of the user's organizations, by name.</summary>
    public IReadOnlyList<OrganizationMembership> All { get; private set; } = [];

    public UserState UserState { get; private set; }

    public Guid UserId { get; private set; }

    public Guid? OrganizationId => Current?.Id;

    public bool Allows(Permission permission) => Current is { } current && PermissionMatrix.Allows(UserState, current.Roles, permission);

    /// <summary>Refused only because the account is in demo mode (it should register a passkey).</summary>
    public bool IsBlockedByDemoMode(Permission permission) =>
        Current is { } current && PermissionMatrix.IsBlockedByDemoMode(UserState, current.Roles, permission);

    public async Task LoadAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.Identity?.IsAuthenticated != true
            || !Guid.TryParse(principal.FindFirstValue(KeyPortalClaims.Subject), out var userId))
        {
            return;
        }

        UserId = userId;
        var rows = await db.Memberships.AsNoTracking()
            .Where(m => m.UserId == userId)
            .OrderBy(m => m.Organization.Name)
            .Select(m => new { m.OrganizationId, m.Organization.Name, m.Organization.Slug, m.Organization.Kind, m.OrganizationRole, m.ChannelRoles, m.User.State, m.CreatedAt, m.Id })
            .ToListAsync(cancellationToken);
        All = [.. rows.Select(r => new OrganizationMembership(r.OrganizationId, r.Name, r.Slug, r.Kind, new MemberRoles(r.OrganizationRole, r.ChannelRoles)))];
        UserState = rows.Count > 0 ? rows[0].State : await db.Users.Where(u => u.Id == userId).Select(u => u.State).SingleOrDefaultAsync(cancellationToken);
        var chosen = Guid.TryParse(principal.FindFirstValue(Claim), out var id) ? id : (Guid?)null;
        // Until the person switches, the organization they joined first: joining another one
        // later (whatever its name) never moves them out of the one they are working in.
        var first = rows.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).Select(r => (Guid?)r.OrganizationId).FirstOrDefault();
        Current = All.FirstOrDefault(o => o.Id == chosen) ?? All.FirstOrDefault(o => o.Id == first);
    }
}
