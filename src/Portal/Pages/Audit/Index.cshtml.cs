using KeyPortal.Hosting.Authorization;
using System.Globalization;
using System.Text;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Authorization;
using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Portal.Organizations;
using KeyPortal.Ui;
using Microsoft.AspNetCore.Mvc;

namespace KeyPortal.Portal.Pages.Audit;

/// <summary>
/// The current organization's audit trail, newest first, with filters; Owners, Admins and
/// Auditors (ViewAuditTrail). The CSV export of the same filters is for Owners (DownloadCsv).
/// Pages by position (time, id), so a long trail pages as fast as a short one.
/// </summary>
[RequirePermission(Permission.ViewAuditTrail)]
public sealed class IndexModel(CurrentMember organization, PortalDbContext db, AuditTrail audit) : OrganizationPageModel(organization)
{
    public const int PageSize = 50;

    /// <summary>Actions starting with this text, e.g. <c>invitation.</c>.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Action { get; set; }

    /// <summary>Entries by this actor (email or name, exact).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Actor { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? To { get; set; }

    /// <summary>Where the previous page ended: <c>{utc ticks}-{id}</c>.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Before { get; set; }

    public IReadOnlyList<Row> Entries { get; private set; } = [];

    public string? NextPage { get; private set; }

    public bool MayExport => Allows(Permission.DownloadCsv);

    public sealed record Row(long Id, DateTimeOffset OccurredAt, string Actor, string Action, string? Target, string? ClientAddress, string Details)
    {
        /// <summary>
        /// Who acted, as a reader should see it. Uses of an emailed link by nobody signed in are
        /// recorded without an actor ("anonymous"); the link is the credential, so the person is
        /// "someone with the link", named by the address it was sent to when the link is known.
        /// </summary>
        public string DisplayActor =>
            Actor == "anonymous" && Action.StartsWith("invitation.", StringComparison.Ordinal)
                ? Target is null ? "someone with a link" : $"someone with the link sent to {Target}"
                : Actor;

        /// <summary>The details as label and value, in the order recorded; empty values left out.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Fields => AuditDisplay.DetailFields(Details);
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var query = Filtered();
        if (ParseBefore(Before) is { } before)
        {
            query = query.Where(a => a.OccurredAt < before.At || (a.OccurredAt == before.At && a.Id < before.Id));
        }

        var rows = await Project(query).Take(PageSize + 1).ToListAsync(cancellationToken);
        Entries = rows.Take(PageSize).ToList();
        if (rows.Count > PageSize)
        {
            var last = Entries[^1];
            NextPage = Link($"{last.OccurredAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}-{last.Id.ToString(CultureInfo.InvariantCulture)}");
        }

        return Page();
    }

    /// <summary>
    /// The filtered trail as CSV (Owners). A POST (anti-forgery checked: taking a copy is itself
    /// audited), never cached. Cells that a spreadsheet would run as formulas are defused.
    /// </summary>
    [RequirePermission(Permission.DownloadCsv)]
    public async Task<IActionResult> OnPostExportAsync(CancellationToken cancellationToken)
    {
        Response.Headers.CacheControl = "no-store";
        Response.Headers.Pragma = "no-cache";

        // Who took a copy of the trail, and of what, is itself part of it.
        audit.Record(await HttpContext.SignedInActorAsync(db), AuditActions.AuditExported, Current.Id, null,
            new { action = Action, actor = Actor, from = From, to = To });
        await db.SaveChangesAsync(cancellationToken);

        var csv = new StringBuilder();
        csv.Append("occurred_at,actor,action,target,client_address,details\r\n");
        await foreach (var row in Project(Filtered()).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            csv.Append(string.Join(',',
                Cell(row.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
                Cell(row.Actor), Cell(row.Action), Cell(row.Target), Cell(row.ClientAddress), Cell(row.Details)));
            csv.Append("\r\n");
        }

        var name = $"audit-{Current.Slug}-{DateTime.UtcNow:yyyyMMdd}.csv";
        return File(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(csv.ToString())).ToArray(), "text/csv; charset=utf-8", name);
    }

    public string Link(string? before = null, string? handler = null) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/audit", new Dictionary<string, string?>
        {
            ["handler"] = handler,
            ["action"] = Action,
            ["actor"] = Actor,
            ["from"] = From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["to"] = To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["before"] = before,
        }.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary());

    /// <summary>A CSV cell (RFC 4180 quoting); a leading = + - @ tab or CR is prefixed with ' so spreadsheets show it as text.</summary>
    public static string Cell(string? value)
    {
        value ??= "";
        if (value.Length > 0 && "=+-@\t\r".Contains(value[0], StringComparison.Ordinal))
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 || value.StartsWith('\'')
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
    }

    private IQueryable<AuditEntry> Filtered()
    {
        var organizationId = Current.Id;
        var query = db.AuditEntries.AsNoTracking().OfOrganization(organizationId);
        if (!string.IsNullOrWhiteSpace(Action))
        {
            var prefix = Action.Trim();
            query = query.Where(a => a.Action.StartsWith(prefix));
        }

        if (!string.IsNullOrWhiteSpace(Actor))
        {
            var actor = Actor.Trim();
            query = query.Where(a => a.Actor == actor);
        }

        if (From is { } from)
        {
            var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            query = query.Where(a => a.OccurredAt >= start);
        }

        if (To is { } to && to < DateOnly.MaxValue)
        {
            var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            query = query.Where(a => a.OccurredAt < end);
        }

        return query;
    }

    private IQueryable<Row> Project(IQueryable<AuditEntry> query) =>
        query.OrderByDescending(a => a.OccurredAt).ThenByDescending(a => a.Id)
            .Select(a => new Row(a.Id, a.OccurredAt, a.Actor, a.Action,
                db.Users.Where(u => u.Id == a.TargetUserId).Select(u => u.Email).FirstOrDefault(),
                a.ClientAddress, a.Details));

    private static (DateTimeOffset At, long Id)? ParseBefore(string? before)
    {
        var parts = before?.Split('-');
        return parts is { Length: 2 }
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTimeOffset.MaxValue.UtcTicks
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? (new DateTimeOffset(ticks, TimeSpan.Zero), id)
                : null;
    }
}
