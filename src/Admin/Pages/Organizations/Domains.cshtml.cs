using KeyPortal.Core.Errors;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;

namespace KeyPortal.Admin.Pages.Organizations;

/// <summary>
/// SPEC Single sign-on: "A domain is verified by a DNS TXT record or by a platform operator". The
/// email domains organizations claim, across organizations, and the operator's verification of
/// one (e.g. after checking the customer's contract). Operators only (the console admits only
/// platform operators); verifying grants trust (the domain's sign-ins go to the organization's
/// identity provider), so it needs a recent sign-in. <see cref="SsoService"/> audits it.
/// </summary>
public sealed class DomainsModel(PortalDbContext db, SsoService sso) : PageModel
{
    public const int PageSize = 50;

    public const string Path = "/organizations/domains";

    /// <summary>Domain or organization name starting with this text.</summary>
    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; } = 1;

    /// <summary>What the last change did (after its redirect).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    /// <summary>The domain the last change was about, for its message.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Subject { get; set; }

    [BindProperty]
    public Guid OrganizationId { get; set; }

    [BindProperty]
    public Guid DomainId { get; set; }

    public string? Error { get; private set; }

    /// <summary>The operator's sign-in is too old to verify a domain: confirm with a new one first.</summary>
    public bool NeedsConfirmation { get; private set; }

    public IReadOnlyList<Row> Domains { get; private set; } = [];

    public int Total { get; private set; }

    public sealed record Row(
        Guid Id, Guid OrganizationId, string OrganizationName, string OrganizationSlug, string Domain,
        DateTimeOffset CreatedAt, DateTimeOffset? VerifiedAt, string? VerifiedBy)
    {
        public bool IsVerified => VerifiedAt is not null;
    }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        NeedsConfirmation = !HttpContext.IsRecent();
        await LoadAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostVerifyAsync(CancellationToken cancellationToken)
    {
        if (!HttpContext.IsRecent())
        {
            // Trust-granting: a stolen or left-open console session is not enough.
            NeedsConfirmation = true;
            return await ShowErrorAsync("For your security, confirm it's you with your security key, then verify the domain again.", StatusCodes.Status403Forbidden, cancellationToken);
        }

        SsoDomain verified;
        try
        {
            verified = await sso.VerifyDomainByOperatorAsync(await HttpContext.SignedInActorAsync(db), OrganizationId, DomainId, cancellationToken);
        }
        catch (DomainException error)
        {
            return await ShowErrorAsync(error.Error.Message, DomainExceptionHandler.StatusCodeOf(error.Error), cancellationToken);
        }

        var query = new Dictionary<string, string?> { ["done"] = "verified", ["subject"] = verified.Domain, ["q"] = Search };
        return Redirect(QueryHelpers.AddQueryString(Path, query.Where(p => !string.IsNullOrEmpty(p.Value))));
    }

    private async Task<IActionResult> ShowErrorAsync(string message, int statusCode, CancellationToken cancellationToken)
    {
        // Nothing changed; the list is shown again with the reason.
        Error = message;
        Done = null;
        Response.StatusCode = statusCode;
        db.ChangeTracker.Clear();
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var query = db.Set<SsoDomain>().AsNoTracking()
            .Join(db.Organizations.AsNoTracking(), d => d.OrganizationId, o => o.Id, (d, o) => new { Domain = d, Organization = o });
        if (!string.IsNullOrWhiteSpace(Search))
        {
            var text = Search.Trim();
            var domain = text.ToLowerInvariant();
            query = query.Where(x => x.Domain.Domain.StartsWith(domain) || x.Organization.Name.StartsWith(text));
        }

        Total = await query.CountAsync(cancellationToken);
        PageNumber = Math.Clamp(PageNumber, 1, Math.Max(1, (Total + PageSize - 1) / PageSize));
        // Those waiting for an operator first.
        Domains = await query.OrderBy(x => x.Domain.VerifiedAt != null).ThenBy(x => x.Domain.Domain).ThenBy(x => x.Organization.Name)
            .Skip((PageNumber - 1) * PageSize).Take(PageSize)
            .Select(x => new Row(x.Domain.Id, x.Organization.Id, x.Organization.Name, x.Organization.Slug, x.Domain.Domain,
                x.Domain.CreatedAt, x.Domain.VerifiedAt, x.Domain.VerifiedBy))
            .ToListAsync(cancellationToken);
    }
}
