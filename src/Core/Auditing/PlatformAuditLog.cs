using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace KeyPortal.Core.Auditing;

/// <summary>What to read of the platform's audit trail; every part optional.</summary>
/// <param name="Actor">Entries by this actor: an email, <c>system</c> or a client (exact, as recorded).</param>
/// <param name="ActionPrefix">Actions starting with this, e.g. <c>user.</c> or <c>member.roles_changed</c>.</param>
/// <param name="From">Entries at or after this moment.</param>
/// <param name="To">Entries before this moment.</param>
public sealed record AuditFilter(
    Guid? OrganizationId = null,
    string? Actor = null,
    Guid? TargetUserId = null,
    string? ActionPrefix = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null)
{
    public const int MaxActionPrefixLength = 64;

    public const int MaxActorLength = 320;

    internal void Validate()
    {
        if ((ActionPrefix?.Length ?? 0) > MaxActionPrefixLength || (Actor?.Length ?? 0) > MaxActorLength
            || (From is { } from && To is { } to && from >= to))
        {
            throw new DomainException(DomainErrors.AuditFilterInvalid);
        }
    }
}

/// <summary>One entry as operators read it, with the organization's short name and the target's email.</summary>
public sealed record AuditRecord(
    long Id,
    DateTimeOffset OccurredAt,
    string Actor,
    Guid? ActorUserId,
    Guid? OrganizationId,
    string? OrganizationSlug,
    Guid? TargetUserId,
    string? TargetEmail,
    string Action,
    string Details,
    string? ClientAddress);

/// <summary>A page of entries, newest first; <paramref name="Next"/> continues after its last entry.</summary>
public sealed record AuditPage(IReadOnlyList<AuditRecord> Entries, string? Next);

/// <summary>
/// The whole platform's audit trail for operators: every organization's entries and the
/// platform's own (operator grants, sign-ins, suspensions). Newest first, paged by position (time,
/// id), so a page deep in a long trail costs what the first does; CSV of the same filters.
/// </summary>
public sealed class PlatformAuditLog(PortalDbContext db)
{
    public const int DefaultLimit = 50;

    public const int MaxLimit = 500;

    public const string CsvContentType = "text/csv; charset=utf-8";

    private static readonly CsvConfiguration CsvSettings = new(CultureInfo.InvariantCulture)
    {
        InjectionOptions = InjectionOptions.Escape,
        NewLine = "\r\n",
    };

    public async Task<AuditPage> PageAsync(AuditFilter filter, string? before, int? limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var take = limit switch
        {
            null => DefaultLimit,
            < 1 or > MaxLimit => throw new DomainException(DomainErrors.PageLimitInvalid(MaxLimit)),
            { } value => value,
        };
        var query = Filtered(filter);
        if (DecodeCursor(before) is { } position)
        {
            var (at, id) = position;
            query = query.Where(a => a.OccurredAt < at || (a.OccurredAt == at && a.Id < id));
        }

        var rows = await Project(query).Take(take + 1).ToListAsync(cancellationToken);
        var page = rows.Take(take).ToList();
        return new AuditPage(page, rows.Count > take ? EncodeCursor(page[^1]) : null);
    }

    /// <summary>Every entry of the filter, newest first, as the database yields them.</summary>
    public IAsyncEnumerable<AuditRecord> StreamAsync(AuditFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Project(Filtered(filter)).AsAsyncEnumerable();
    }

    /// <summary>
    /// The entries as CSV, one row each as they arrive; returns the number of rows. A cell a
    /// spreadsheet would run as a formula is written with a leading apostrophe.
    /// </summary>
    public static async Task<int> WriteCsvAsync(TextWriter writer, IAsyncEnumerable<AuditRecord> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        await using var csv = new CsvWriter(writer, CsvSettings, leaveOpen: true);
        foreach (var name in (string[])["Id", "When (UTC)", "Actor", "Organization", "Target", "Action", "Details", "Client address"])
        {
            csv.WriteField(name);
        }

        await csv.NextRecordAsync();
        var count = 0;
        await foreach (var e in entries.WithCancellation(cancellationToken))
        {
            csv.WriteField(e.Id.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            csv.WriteField(e.Actor);
            csv.WriteField(e.OrganizationSlug ?? "");
            csv.WriteField(e.TargetEmail ?? e.TargetUserId?.ToString() ?? "");
            csv.WriteField(e.Action);
            csv.WriteField(e.Details);
            csv.WriteField(e.ClientAddress ?? "");
            await csv.NextRecordAsync();
            if (++count % 500 == 0)
            {
                await csv.FlushAsync();
            }
        }

        await csv.FlushAsync();
        return count;
    }

    private IQueryable<AuditEntry> Filtered(AuditFilter filter)
    {
        filter.Validate();
        var query = db.AuditEntries.AsNoTracking();
        if (filter.OrganizationId is { } organizationId)
        {
            query = query.Where(a => a.OrganizationId == organizationId);
        }

        if (filter.TargetUserId is { } targetId)
        {
            query = query.Where(a => a.TargetUserId == targetId);
        }

        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            var actor = filter.Actor.Trim();
            query = query.Where(a => a.Actor == actor);
        }

        if (!string.IsNullOrWhiteSpace(filter.ActionPrefix))
        {
            var prefix = filter.ActionPrefix.Trim();
            query = query.Where(a => a.Action.StartsWith(prefix));
        }

        if (filter.From is { } from)
        {
            query = query.Where(a => a.OccurredAt >= from);
        }

        if (filter.To is { } to)
        {
            query = query.Where(a => a.OccurredAt < to);
        }

        return query.OrderByDescending(a => a.OccurredAt).ThenByDescending(a => a.Id);
    }

    private IQueryable<AuditRecord> Project(IQueryable<AuditEntry> entries) =>
        entries.Select(a => new AuditRecord(
            a.Id, a.OccurredAt, a.Actor, a.ActorUserId, a.OrganizationId,
            db.Organizations.Where(o => o.Id == a.OrganizationId).Select(o => o.Slug).FirstOrDefault(),
            a.TargetUserId,
            db.Users.Where(u => u.Id == a.TargetUserId).Select(u => u.Email).FirstOrDefault(),
            a.Action, a.Details, a.ClientAddress));

    private static string EncodeCursor(AuditRecord last) =>
        $"{last.OccurredAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}-{last.Id.ToString(CultureInfo.InvariantCulture)}";

    private static (DateTimeOffset At, long Id)? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        var dash = cursor.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && long.TryParse(cursor.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && long.TryParse(cursor.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
                ? (new DateTimeOffset(ticks, TimeSpan.Zero), id)
                : throw new DomainException(DomainErrors.CursorInvalid);
    }
}
