using System.Globalization;
using System.Text;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Users;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Admin.Pages.Audit;

/// <summary>
/// The whole platform's audit trail (every organization's and the platform's own entries), newest
/// first, filtered by organization, actor, target, action prefix and time; paged by position, and
/// exported as CSV with the same filters (a POST: taking a copy is itself audited). Operators only.
/// </summary>
public sealed class IndexModel(PortalDbContext db, PlatformAuditLog log, UserDirectory directory, AuditTrail audit) : PageModel
{
    /// <summary>The organization's short name.</summary>
    [BindProperty(SupportsGet = true, Name = "organization")]
    public string? Organization { get; set; }

    /// <summary>Who acted, exactly as recorded: an email, <c>system</c>, <c>client:…</c>.</summary>
    [BindProperty(SupportsGet = true, Name = "actor")]
    public string? Actor { get; set; }

    /// <summary>The email of the account acted on.</summary>
    [BindProperty(SupportsGet = true, Name = "target")]
    public string? Target { get; set; }

    [BindProperty(SupportsGet = true, Name = "action")]
    public string? Action { get; set; }

    /// <summary>From the start of this day (UTC).</summary>
    [BindProperty(SupportsGet = true, Name = "from")]
    public DateOnly? From { get; set; }

    /// <summary>To the end of this day (UTC).</summary>
    [BindProperty(SupportsGet = true, Name = "to")]
    public DateOnly? To { get; set; }

    [BindProperty(SupportsGet = true, Name = "before")]
    public string? Before { get; set; }

    public IReadOnlyList<AuditRecord> Entries { get; private set; } = [];

    public string? NextPage { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await FilterAsync(cancellationToken) is not { } filter)
        {
            return Page();
        }

        try
        {
            var page = await log.PageAsync(filter, Before, PlatformAuditLog.DefaultLimit, cancellationToken);
            Entries = page.Entries;
            NextPage = page.Next is null ? null : Link(page.Next);
        }
        catch (DomainException error)
        {
            Refuse(error.Error.Message, DomainExceptionHandler.StatusCodeOf(error.Error));
        }

        return Page();
    }

    /// <summary>The filtered trail as CSV, streamed; cells a spreadsheet would run as formulas are defused.</summary>
    public async Task<IActionResult> OnPostExportAsync(CancellationToken cancellationToken)
    {
        if (await FilterAsync(cancellationToken) is not { } filter)
        {
            return Page();
        }

        // Who took a copy of the trail, and of what, is itself part of it.
        audit.Record(await HttpContext.SignedInActorAsync(db), AuditActions.AuditExported, filter.OrganizationId, filter.TargetUserId,
            new { scope = "platform", actor = filter.Actor, action = filter.ActionPrefix, from = filter.From, to = filter.To });
        await db.SaveChangesAsync(cancellationToken);

        Response.Headers.CacheControl = "no-store";
        Response.ContentType = PlatformAuditLog.CsvContentType;
        Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.csv\"";
        await using var writer = new StreamWriter(Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), leaveOpen: true);
        await PlatformAuditLog.WriteCsvAsync(writer, log.StreamAsync(filter), cancellationToken);
        await writer.FlushAsync(cancellationToken);
        return new EmptyResult();
    }

    public string Link(string? before = null) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/audit", new Dictionary<string, string?>
        {
            ["organization"] = Organization,
            ["actor"] = Actor,
            ["target"] = Target,
            ["action"] = Action,
            ["from"] = From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["to"] = To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["before"] = before,
        }.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary());

    /// <summary>The filter the form describes; null (with the page's error) when it names nothing that exists or is not a filter.</summary>
    private async Task<AuditFilter?> FilterAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Refuse("Enter dates as year-month-day.");
        }

        Guid? organizationId = null;
        if (!string.IsNullOrWhiteSpace(Organization))
        {
            var slug = Organization.Trim().ToLowerInvariant();
            organizationId = await db.Organizations.AsNoTracking().Where(o => o.Slug == slug).Select(o => (Guid?)o.Id).SingleOrDefaultAsync(cancellationToken);
            if (organizationId is null)
            {
                return Refuse("No organization has that short name.");
            }
        }

        Guid? targetId = null;
        if (!string.IsNullOrWhiteSpace(Target))
        {
            targetId = await directory.FindIdByEmailAsync(Target, cancellationToken);
            if (targetId is null)
            {
                return Refuse("No account has that email address.");
            }
        }

        if (From is { } from && To is { } to && from > to)
        {
            return Refuse("The start of the period is after its end.");
        }

        var filter = new AuditFilter(
            organizationId,
            string.IsNullOrWhiteSpace(Actor) ? null : Actor.Trim(),
            targetId,
            string.IsNullOrWhiteSpace(Action) ? null : Action.Trim(),
            From is { } start ? new DateTimeOffset(start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            To is { } end ? new DateTimeOffset(end.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null);
        if ((filter.ActionPrefix?.Length ?? 0) > AuditFilter.MaxActionPrefixLength || (filter.Actor?.Length ?? 0) > AuditFilter.MaxActorLength)
        {
            return Refuse(DomainErrors.AuditFilterInvalid.Message);
        }

        return filter;
    }

    private AuditFilter? Refuse(string message, int status = StatusCodes.Status400BadRequest)
    {
        Error = message;
        Response.StatusCode = status;
        return null;
    }
}
