using System.Security.Claims;
using KeyPortal.Core.Sessions;

namespace KeyPortal.Core.Authorization;

/// <summary>One of the signed-in user's organizations, with their roles there.</summary>
public sealed record OrganizationMembership(Guid Id, string Name, string Slug, OrganizationKind Kind, MemberRoles Roles);

/// <summary>
/// Who acts in this request, and where: the signed-in user, their state, every organization they
/// belong to with their roles there, and the one they are working in (chosen in the Portal's
/// header menu and kept in the cookie as <see cref="KeyPortalClaims.Organization"/>; until then
/// the one they joined first). A session made through an organization's identity provider
/// sees that organization only, and so does an API token (<see cref="KeyPortalClaims.ApiToken"/>):
/// the token's organization, or none once that membership is gone, never another organization
/// of the same user. Read from the database once per request, so a role change, a
/// removal or a suspension applies on the next request. This is the only evaluation of
/// permissions: the permission policies (<see cref="PermissionAuthorizationHandler"/>) ask it, and
/// pages ask it what to show.
/// </summary>
public sealed class CurrentMember(PortalDbContext db)
{
    private (Guid? UserId, string? Chosen, Guid? SessionId, string? ApiToken)? _loadedFor;

    public OrganizationMembership? Current { get; private set; }

    /// <summary>All of the user's organizations, by name.</summary>
    public IReadOnlyList<OrganizationMembership> All { get; private set; } = [];

    public UserState UserState { get; private set; }

    /// <summary>The acting user; <see cref="Guid.Empty"/> when the caller is not a user (anonymous, or a client's own token).</summary>
    public Guid UserId { get; private set; }

    public Guid? OrganizationId => Current?.Id;

    /// <summary>True when the user holds <paramref name="permission"/> in the organization they work in.</summary>
    public bool Allows(Permission permission) => Allows(OrganizationId, permission);

    /// <summary>True when the user is a member of <paramref name="organizationId"/> with a role and state that hold <paramref name="permission"/>.</summary>
    public bool Allows(Guid? organizationId, Permission permission) =>
        All.FirstOrDefault(o => o.Id == organizationId) is { } membership && PermissionMatrix.Allows(UserState, membership.Roles, permission);

    /// <summary>Refused only because the account is in demo mode (it should register a passkey).</summary>
    public bool IsBlockedByDemoMode(Permission permission) =>
        Current is { } current && PermissionMatrix.IsBlockedByDemoMode(UserState, current.Roles, permission);

    /// <summary>Why <paramref name="permission"/> is refused, in words for the page.</summary>
    public string RefusalOf(Permission permission) =>
        Current is null
            ? "You are not a member of any organization."
            : IsBlockedByDemoMode(permission)
                ? "Your account is in demo mode: register a passkey on your security key first."
                : $"Your role in {Current.Name} does not allow this: {PermissionMatrix.Label(permission)}.";

    /// <summary>
    /// Reads the member behind <paramref name="principal"/>: once per request, again only for a
    /// principal naming another user or organization (the authorization of an API endpoint
    /// authenticates anew and hands over a new principal for the same caller).
    /// </summary>
    public async Task LoadAsync(ClaimsPrincipal principal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var caller = principal.Identity?.IsAuthenticated == true ? UserIdOf(principal) : null;
        var chosenClaim = principal.FindFirstValue(KeyPortalClaims.Organization);
        var sessionId = Guid.TryParse(principal.FindFirstValue(KeyPortalClaims.SessionId), out var sid) ? sid : (Guid?)null;
        var apiToken = principal.FindFirstValue(KeyPortalClaims.ApiToken);
        if (_loadedFor == (caller, chosenClaim, sessionId, apiToken))
        {
            return;
        }

        _loadedFor = (caller, chosenClaim, sessionId, apiToken);
        (Current, All, UserState, UserId) = (null, [], default, Guid.Empty);
        if (caller is not { } userId)
        {
            return;
        }

        UserId = userId;
        var chosen = Guid.TryParse(chosenClaim, out var id) ? id : (Guid?)null;
        // An API token acts in the organization it was generated in and nowhere else: without
        // that membership it reaches none (no fallback to the one joined first).
        var tokenOrganization = apiToken is null ? (Guid?)null : chosen ?? Guid.Empty;
        // A session an organization's identity provider made reaches that organization only
        // (UserSession.FederatedOrganizationId): its other memberships wait for a passkey sign-in.
        var rows = await db.Memberships.AsNoTracking()
            .Where(m => m.UserId == userId)
            .Where(m => tokenOrganization == null || m.OrganizationId == tokenOrganization)
            .Where(m => sessionId == null || !db.UserSessions.Any(s => s.Id == sessionId && s.FederatedOrganizationId != null && s.FederatedOrganizationId != m.OrganizationId))
            .OrderBy(m => m.Organization.Name)
            .Select(m => new { m.OrganizationId, m.Organization.Name, m.Organization.Slug, m.Organization.Kind, m.OrganizationRole, m.ChannelRoles, m.User.State, m.CreatedAt, m.Id })
            .ToListAsync(cancellationToken);
        All = [.. rows.Select(r => new OrganizationMembership(r.OrganizationId, r.Name, r.Slug, r.Kind, new MemberRoles(r.OrganizationRole, r.ChannelRoles)))];
        UserState = rows.Count > 0 ? rows[0].State : await db.Users.Where(u => u.Id == userId).Select(u => u.State).SingleOrDefaultAsync(cancellationToken);
        // Until the person switches, the organization they joined first: joining another one
        // later (whatever its name) never moves them out of the one they are working in.
        var first = rows.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).Select(r => (Guid?)r.OrganizationId).FirstOrDefault();
        Current = All.FirstOrDefault(o => o.Id == chosen) ?? All.FirstOrDefault(o => o.Id == first);
    }

    /// <summary>The user id a principal carries: OIDC <c>sub</c> or ASP.NET's name identifier; null when it is no user's id.</summary>
    public static Guid? UserIdOf(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var value = principal.FindFirstValue(KeyPortalClaims.Subject) ?? principal.FindFirstValue(ClaimTypes.NameIdentifier);
        // A client-credentials token names the client as its subject: never a user, even when
        // the client's id happens to look like one.
        if (value is not null && string.Equals(value, principal.FindFirstValue(KeyPortalClaims.ClientId), StringComparison.Ordinal))
        {
            return null;
        }

        return Guid.TryParse(value, out var id) ? id : null;
    }
}
