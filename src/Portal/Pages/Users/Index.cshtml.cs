using KeyPortal.Hosting.Authorization;
using KeyPortal.Core.Authorization;
using KeyPortal.Core.Errors;
using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Core.Invitations;
using KeyPortal.Portal.Organizations;
using Microsoft.AspNetCore.Mvc;

namespace KeyPortal.Portal.Pages.Users;

/// <summary>Your organization > Users: members of the current organization. Owners, Admins and Auditors (ViewMembers).</summary>
[RequirePermission(Permission.ViewMembers)]
public sealed class IndexModel(CurrentMember organization, MemberDirectory directory, PortalDbContext db, MembershipInvitations invitations)
    : OrganizationPageModel(organization)
{
    /// <summary>Existing accounts invited to join that have not accepted yet (Owners see and withdraw them).</summary>
    public IReadOnlyList<MembershipInvitationView> OpenInvitations { get; private set; } = [];

    [BindProperty]
    public Guid InvitationId { get; set; }

    /// <summary>Email search: from the start of the address.</summary>
    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Role { get; set; }

    [BindProperty(SupportsGet = true)]
    public UserState? State { get; set; }

    [BindProperty(SupportsGet = true)]
    public MemberSort Sort { get; set; } = MemberSort.Email;

    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; } = 1;

    /// <summary>What the last action on a member did (after its redirect).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public MemberPage Members { get; private set; } = new([], 0, 1, MemberQuery.DefaultPageSize);

    public int OwnerCount { get; private set; }

    public bool MayManage => Allows(Permission.ManageMembers);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var query = new MemberQuery(
            EmailPrefix: Search,
            Role: MemberRoles.TryParse(Role, out var filter) ? filter.OrganizationRole : null,
            Channel: filter.ChannelRoles,
            State: State,
            Sort: Sort,
            Page: PageNumber);
        Members = await directory.ListAsync(Current.Id, query, cancellationToken);
        OwnerCount = await db.Memberships.CountAsync(m => m.OrganizationId == Current.Id && m.OrganizationRole == OrganizationRole.Owner, cancellationToken);
        if (MayManage)
        {
            OpenInvitations = await invitations.ListForOrganizationAsync(Current.Id, cancellationToken);
        }

        return Page();
    }

    /// <summary>An Owner withdraws an open invitation of the current organization (ManageMembers).</summary>
    [RequirePermission(Permission.ManageMembers)]
    public async Task<IActionResult> OnPostWithdrawAsync(CancellationToken cancellationToken)
    {
        try
        {
            await invitations.WithdrawAsync(await HttpContext.SignedInActorAsync(db), Current.Id, InvitationId, cancellationToken);
        }
        catch (DomainException error) when (error.Error == DomainErrors.MembershipInvitationNotFound)
        {
            return NotFound();
        }

        return Redirect("/users?done=withdrawn");
    }

    /// <summary>This list's address with some parameters changed (paging, sorting links).</summary>
    public string Link(int? page = null, MemberSort? sort = null) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/users", new Dictionary<string, string?>
        {
            ["q"] = Search,
            ["role"] = Role,
            ["state"] = State?.ToString(),
            ["sort"] = (sort ?? Sort).ToString(),
            ["p"] = (page ?? Members.Page).ToString(System.Globalization.CultureInfo.InvariantCulture),
        }.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary());

}

/// <summary>A yes/no cell of the Users table (Password, MFA, Passwordless) and why, for its tooltip.</summary>
public sealed record Tick(bool Value, string Reason);
