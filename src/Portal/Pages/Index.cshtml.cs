using KeyPortal.Core.Authorization;
using KeyPortal.Core.Hosting;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Sessions;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Portal.Pages;

/// <summary>Home for a signed-in member (every page needs sign-in unless it says otherwise).</summary>
public sealed class IndexModel(PortalDbContext db, Microsoft.Extensions.Options.IOptions<PublicUrlOptions> urls) : PageModel
{
    public string Email { get; private set; } = "";

    /// <summary>Active (demo mode): signed in with the onboarding password, no passkey yet.</summary>
    public bool DemoMode { get; private set; }

    public string RegisterPasskeyUrl => new Uri(urls.Value.IdP, "signin/create-passkey").AbsoluteUri;

    public IReadOnlyList<OrganizationEntry> Organizations { get; private set; } = [];

    /// <param name="MayManageMembers">Whether this member may create users there (Owners).</param>
    public sealed record OrganizationEntry(string Name, string Slug, bool MayManageMembers);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        // The session check has already loaded and admitted this user; sub is a valid Guid here.
        var userId = Guid.Parse(User.FindFirst(RelyingPartySessionValidator.SubjectClaim)!.Value);
        Email = User.SignedInEmail() ?? "";
        var memberships = await db.Memberships.AsNoTracking()
            .Where(m => m.UserId == userId)
            .Select(m => new { m.Organization.Name, m.Organization.Slug, m.OrganizationRole, m.ChannelRoles, m.User.State })
            .OrderBy(m => m.Name)
            .ToListAsync(cancellationToken);
        DemoMode = await db.Users.AnyAsync(u => u.Id == userId && u.State == UserState.ActiveDemo, cancellationToken);
        Organizations = [.. memberships.Select(m => new OrganizationEntry(m.Name, m.Slug,
            PermissionMatrix.Allows(m.State, new MemberRoles(m.OrganizationRole, m.ChannelRoles), Permission.ManageMembers)))];
    }
}
