using KeyPortal.Core.Authorization;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Hosting;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Sessions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace KeyPortal.Portal.Pages.Organizations;

/// <summary>
/// Create a user in an organization (SPEC: an Owner creates a user with email and role): new
/// people get an activation email, existing accounts a notice. Owners of the organization only
/// (permission ManageMembers, read from the database on every request).
/// </summary>
public sealed class InviteModel(
    PortalDbContext db, IAuthorizationService authorization, InvitationService invitations, IOptions<PublicUrlOptions> urls) : PageModel
{
    private Guid _organizationId;

    [BindProperty(SupportsGet = true)]
    public string Slug { get; set; } = "";

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string Role { get; set; } = nameof(OrganizationRole.Auditor);

    public string OrganizationName { get; private set; } = "";

    /// <summary>The roles this organization's kind allows, as offered in the form.</summary>
    public IReadOnlyList<string> Roles { get; private set; } = [];

    public string? Error { get; private set; }

    public InvitationResult? Result { get; private set; }

    /// <summary>An Owner in demo mode: allowed once they register a passkey.</summary>
    public bool BlockedByDemoMode { get; private set; }

    public string RegisterPasskeyUrl => new Uri(urls.Value.IdP, "signin/create-passkey").AbsoluteUri;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await AuthorizeAsync(cancellationToken) ?? Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(cancellationToken) is { } refused)
        {
            return refused;
        }

        if (!Roles.Contains(Role) || string.IsNullOrWhiteSpace(Email))
        {
            Error = string.IsNullOrWhiteSpace(Email) ? "Enter the person's email address." : "Choose one of the offered roles.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var roles = Enum.TryParse<OrganizationRole>(Role, out var organizationRole)
            ? new MemberRoles(organizationRole, ChannelRoles.None)
            : new MemberRoles(null, Enum.Parse<ChannelRoles>(Role));
        try
        {
            Result = await invitations.InviteAsync(await ActorAsync(cancellationToken), _organizationId, Email, roles, urls.Value.IdP, cancellationToken);
        }
        catch (DomainException error)
        {
            Error = error.Error.Message;
            Response.StatusCode = DomainExceptionHandler.StatusCodeOf(error.Error);
            return Page();
        }

        Email = null;
        return Page();
    }

    /// <summary>Unknown organizations and organizations where the user may not manage members look the same: 404.</summary>
    private async Task<IActionResult?> AuthorizeAsync(CancellationToken cancellationToken)
    {
        var organization = await db.Organizations.AsNoTracking()
            .Where(o => o.Slug == Slug)
            .Select(o => new { o.Id, o.Name, o.Kind })
            .SingleOrDefaultAsync(cancellationToken);
        if (organization is null)
        {
            return NotFound();
        }

        if (!(await authorization.AuthorizeAsync(User, new OrganizationResource(organization.Id), PermissionRequirement.PolicyName(Permission.ManageMembers))).Succeeded)
        {
            // Only the organization's own Owner in demo mode learns why; everybody else sees no such page.
            var userId = Guid.Parse(User.FindFirst(RelyingPartySessionValidator.SubjectClaim)!.Value);
            var membership = await db.Memberships.AsNoTracking()
                .Where(m => m.OrganizationId == organization.Id && m.UserId == userId)
                .Select(m => new { m.OrganizationRole, m.ChannelRoles, m.User.State })
                .SingleOrDefaultAsync(cancellationToken);
            if (membership is null
                || !PermissionMatrix.IsBlockedByDemoMode(membership.State, new MemberRoles(membership.OrganizationRole, membership.ChannelRoles), Permission.ManageMembers))
            {
                return NotFound();
            }

            OrganizationName = organization.Name;
            BlockedByDemoMode = true;
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }

        _organizationId = organization.Id;
        OrganizationName = organization.Name;
        var roles = new List<string> { nameof(OrganizationRole.Owner), nameof(OrganizationRole.Admin), nameof(OrganizationRole.Auditor) };
        if (organization.Kind.HasFlag(OrganizationKind.Reseller))
        {
            roles.Add(nameof(ChannelRoles.Reseller));
        }

        if (organization.Kind.HasFlag(OrganizationKind.Distributor))
        {
            roles.Add(nameof(ChannelRoles.Distributor));
        }

        Roles = roles;
        return null;
    }

    private async Task<Core.Auditing.AuditActor> ActorAsync(CancellationToken cancellationToken)
    {
        var userId = Guid.Parse(User.FindFirst(RelyingPartySessionValidator.SubjectClaim)!.Value);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, cancellationToken);
        return Core.Auditing.AuditActor.ForUser(user, HttpContext.Connection.RemoteIpAddress?.ToString());
    }
}
