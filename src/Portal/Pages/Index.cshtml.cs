using KeyPortal.Core.Hosting;
using KeyPortal.Core.Sessions;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Portal.Pages;

/// <summary>Home for a signed-in member (every page needs sign-in unless it says otherwise).</summary>
public sealed class IndexModel(PortalDbContext db) : PageModel
{
    public string Email { get; private set; } = "";

    public IReadOnlyList<string> Organizations { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        // The session check has already loaded and admitted this user; sub is a valid Guid here.
        var userId = Guid.Parse(User.FindFirst(RelyingPartySessionValidator.SubjectClaim)!.Value);
        Email = User.SignedInEmail() ?? "";
        Organizations = await db.Memberships.AsNoTracking()
            .Where(m => m.UserId == userId)
            .Select(m => m.Organization.Name)
            .OrderBy(name => name)
            .ToListAsync(cancellationToken);
    }
}
