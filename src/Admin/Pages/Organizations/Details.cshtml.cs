using KeyPortal.Core;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.Core.Users;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KeyPortal.Admin.Pages.Organizations;

/// <summary>
/// One organization as the vendor's staff see it: what it is (kinds, editable with their rules),
/// its single sign-on, its members with roles and states, its Owners (warning below two), its
/// recent audit trail; and what only staff do: add an existing or new person with roles, and
/// appoint a new Owner when it lost its last one or its only Owner is locked out (with a reason).
/// Operators only (the console admits nobody else); Core checks it again on every change.
/// </summary>
public sealed class DetailsModel(
    PortalDbContext db,
    OrganizationService organizations,
    OperatorMemberships memberships,
    PlatformAuditLog auditLog,
    IOptions<PublicUrlOptions> urls) : ConsolePageModel
{
    /// <summary>Members listed on the page; the count says how many there are in all.</summary>
    public const int MembersShown = 200;

    public const int AuditShown = 20;

    private static readonly Dictionary<string, string> NoticeTexts = new(StringComparer.Ordinal)
    {
        ["kinds"] = "The organization's kinds were changed.",
        ["kinds-unchanged"] = "The organization already had these kinds.",
        ["member-added"] = "The person was added. Someone new got an activation link; someone with an account, a notice.",
        ["owner-appointed"] = "The new Owner was appointed and told by email.",
    };

    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    [BindProperty]
    public List<OrganizationKind> Kinds { get; set; } = [];

    [BindProperty]
    public string? MemberEmail { get; set; }

    [BindProperty]
    public List<string> MemberRoleNames { get; set; } = [];

    [BindProperty]
    public string? OwnerEmail { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    /// <summary>Which form the error belongs to: <c>kinds</c>, <c>member</c> or <c>owner</c>.</summary>
    public string? ErrorForm { get; private set; }

    public Organization Organization { get; private set; } = null!;

    public SsoProtocol? SsoProtocol { get; private set; }

    public IReadOnlyList<MemberRow> Members { get; private set; } = [];

    public int MemberCount { get; private set; }

    public int OwnerCount { get; private set; }

    public IReadOnlyList<AuditRecord> RecentAudit { get; private set; } = [];

    public sealed record MemberRow(Guid UserId, string Email, UserState State, MemberRoles Roles, DateTimeOffset JoinedAt);

    protected override IReadOnlyDictionary<string, string> Notices => NoticeTexts;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostKindsAsync(CancellationToken cancellationToken)
    {
        var kind = Kinds.Aggregate(OrganizationKind.None, (all, one) => all | one);
        var changed = false;
        if (await TryChangeAsync(async () => changed = await organizations.ChangeKindAsync(await ActorAsync(), Id, kind, cancellationToken)))
        {
            return Changed(changed ? "kinds" : "kinds-unchanged");
        }

        return await ShowAgainAsync("kinds", cancellationToken);
    }

    public async Task<IActionResult> OnPostAddMemberAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(MemberEmail))
        {
            Refuse("Enter the email address of the person to add.", StatusCodes.Status400BadRequest);
            return await ShowAgainAsync("member", cancellationToken);
        }

        if (await TryChangeAsync(async () =>
            {
                var roles = MemberRoles.Parse(MemberRoleNames);
                await memberships.AddAsync(await ActorAsync(), Id, MemberEmail, roles, urls.Value.IdP, cancellationToken);
            }))
        {
            return Changed("member-added");
        }

        return await ShowAgainAsync("member", cancellationToken);
    }

    public async Task<IActionResult> OnPostAppointOwnerAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(OwnerEmail))
        {
            Refuse("Enter the email address of the new Owner.", StatusCodes.Status400BadRequest);
            return await ShowAgainAsync("owner", cancellationToken);
        }

        if (await TryChangeAsync(async () =>
            await memberships.AppointOwnerAsync(await ActorAsync(), Id, OwnerEmail, Reason ?? "", urls.Value.IdP, cancellationToken)))
        {
            return Changed("owner-appointed");
        }

        return await ShowAgainAsync("owner", cancellationToken);
    }

    public bool Has(OrganizationKind kind) => Organization.Kind.HasFlag(kind);

    private Task<AuditActor> ActorAsync() => HttpContext.SignedInActorAsync(db);

    /// <summary>The page again after a refusal, with what was typed; 404 when the organization is unknown.</summary>
    private async Task<IActionResult> ShowAgainAsync(string form, CancellationToken cancellationToken)
    {
        ErrorForm = form;
        if (!await LoadAsync(cancellationToken))
        {
            return NotFound();
        }

        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        if (await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == Id, cancellationToken) is not { } organization)
        {
            return false;
        }

        Organization = organization;
        SsoProtocol = await db.Set<SsoConnection>().AsNoTracking().Where(c => c.OrganizationId == Id)
            .Select(c => (SsoProtocol?)c.Protocol).SingleOrDefaultAsync(cancellationToken);
        var members = db.Memberships.AsNoTracking().Where(m => m.OrganizationId == Id);
        MemberCount = await members.CountAsync(cancellationToken);
        OwnerCount = await members.CountAsync(m => m.OrganizationRole == OrganizationRole.Owner, cancellationToken);
        var rows = await members.OrderBy(m => m.User.NormalizedEmail).Take(MembersShown)
            .Select(m => new { m.UserId, m.User.Email, m.User.State, m.OrganizationRole, m.ChannelRoles, m.CreatedAt })
            .ToListAsync(cancellationToken);
        Members = [.. rows.Select(m => new MemberRow(m.UserId, m.Email ?? "", m.State, new MemberRoles(m.OrganizationRole, m.ChannelRoles), m.CreatedAt))];
        RecentAudit = (await auditLog.PageAsync(new AuditFilter(OrganizationId: Id), before: null, AuditShown, cancellationToken)).Entries;
        if (Request.Method == HttpMethods.Get)
        {
            Kinds = [.. Enum.GetValues<OrganizationKind>().Where(k => k != OrganizationKind.None && organization.Kind.HasFlag(k))];
        }

        return true;
    }
}
