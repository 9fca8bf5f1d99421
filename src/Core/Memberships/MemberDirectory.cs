using System.Linq.Expressions;
using Microsoft.AspNetCore.Identity;

namespace KeyPortal.Core.Memberships;

/// <summary>Orders of the member list.</summary>
public enum MemberSort
{
    Email,
    EmailDescending,
    LastLogin,
    LastLoginDescending,
}

/// <summary>
/// One page of an organization's member list. <paramref name="EmailPrefix"/> searches from the
/// start of the address (index-backed); role and state filter; pages count from 1.
/// </summary>
public sealed record MemberQuery(
    string? EmailPrefix = null,
    OrganizationRole? Role = null,
    ChannelRoles Channel = ChannelRoles.None,
    UserState? State = null,
    MemberSort Sort = MemberSort.Email,
    int Page = 1,
    int PageSize = MemberQuery.DefaultPageSize)
{
    public const int DefaultPageSize = 50;

    public const int MaxPageSize = 200;
}

/// <summary>A member as the Users table shows them.</summary>
/// <param name="Passwordless">Has a passkey and no password.</param>
public sealed record MemberRow(
    Guid UserId,
    string Email,
    MemberRoles Roles,
    DateTimeOffset? LastLoginAt,
    UserState State,
    bool HasPassword,
    bool TotpEnabled,
    int Passkeys)
{
    public bool Passwordless => User.IsPasswordless(HasPassword, Passkeys);
}

public sealed record MemberPage(IReadOnlyList<MemberRow> Rows, int Total, int Page, int PageSize)
{
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>
/// Reads an organization's members for the Users page: filtered, sorted and paged in the database
/// (indexes on memberships by organization and on users by normalized email), never loading the
/// whole organization. Callers have checked that the reader may see the organization's members.
/// </summary>
public sealed class MemberDirectory(PortalDbContext db, ILookupNormalizer normalizer)
{
    public async Task<MemberPage> ListAsync(Guid organizationId, MemberQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var pageSize = Math.Clamp(query.PageSize, 1, MemberQuery.MaxPageSize);
        var members = db.Memberships.AsNoTracking().Where(m => m.OrganizationId == organizationId);
        if (!string.IsNullOrWhiteSpace(query.EmailPrefix))
        {
            var prefix = normalizer.NormalizeEmail(query.EmailPrefix.Trim());
            // A range on the indexed copy of the normalized email (byte order on both databases):
            // everything from the prefix up to the prefix followed by the highest code point.
            var end = prefix + char.ConvertFromUtf32(0x10FFFF);
            members = members.Where(m => string.Compare(EF.Property<string>(m, MemberDirectoryColumns.Email), prefix) >= 0
                && string.Compare(EF.Property<string>(m, MemberDirectoryColumns.Email), end) < 0);
        }

        if (query.Role is { } role)
        {
            members = members.Where(m => m.OrganizationRole == role);
        }

        if (query.Channel != ChannelRoles.None)
        {
            var channel = query.Channel;
            members = members.Where(m => (m.ChannelRoles & channel) == channel);
        }

        if (query.State is { } state)
        {
            members = members.Where(m => EF.Property<UserState?>(m, MemberDirectoryColumns.State) == state);
        }

        var total = await members.CountAsync(cancellationToken);
        var pages = Math.Max(1, (total + pageSize - 1) / pageSize);
        var page = Math.Clamp(query.Page, 1, pages);
        var skip = (page - 1) * pageSize;
        var take = Math.Min(pageSize, total - skip);
        if (take <= 0)
        {
            return new MemberPage([], total, page, pageSize);
        }

        // The page's members are found on the directory indexes alone (each ends with the
        // membership id, so the index covers this query), and only those rows are read. A page in
        // the second half is read from the other end, so no query steps over more than half the
        // organization: in the reverse order it starts after the members that follow it.
        var fromEnd = skip > total - skip - take;
        var pageIds = Ordered(members, query.Sort, reverse: fromEnd)
            .Skip(fromEnd ? total - skip - take : skip)
            .Take(take)
            .Select(m => m.Id);
        var rows = await Ordered(db.Memberships.AsNoTracking().Where(m => pageIds.Contains(m.Id)), query.Sort, reverse: false)
            .Select(m => new
            {
                m.UserId,
                m.User.Email,
                m.OrganizationRole,
                m.ChannelRoles,
                m.User.LastLoginAt,
                m.User.State,
                HasPassword = m.User.PasswordHash != null,
                m.User.TwoFactorEnabled,
                Passkeys = db.PasskeyCredentials.Count(p => p.UserId == m.UserId),
            })
            .ToListAsync(cancellationToken);
        return new MemberPage(
            [.. rows.Select(r => new MemberRow(r.UserId, r.Email ?? "", new MemberRoles(r.OrganizationRole, r.ChannelRoles), r.LastLoginAt, r.State,
                r.HasPassword, r.TwoFactorEnabled, r.Passkeys))],
            total, page, pageSize);
    }

    /// <summary>
    /// The list's order: email, or last login then email (many members share "never"), then the
    /// membership id: a total order, so pages neither repeat nor skip anyone. Descending is the
    /// exact reverse of ascending, ties included, so one index serves both directions. (A member
    /// added or removed between the count and the page moves the page by one, as with any offset.)
    /// </summary>
    private static IOrderedQueryable<Membership> Ordered(IQueryable<Membership> members, MemberSort sort, bool reverse)
    {
        var descending = (sort is MemberSort.EmailDescending or MemberSort.LastLoginDescending) != reverse;
        Expression<Func<Membership, string>> email = m => EF.Property<string>(m, MemberDirectoryColumns.Email);
        if (sort is MemberSort.Email or MemberSort.EmailDescending)
        {
            // The id settles members without an email (the column allows it), as the indexes do.
            return descending ? members.OrderByDescending(email).ThenByDescending(m => m.Id) : members.OrderBy(email).ThenBy(m => m.Id);
        }

        Expression<Func<Membership, DateTimeOffset?>> lastLogin = m => EF.Property<DateTimeOffset?>(m, MemberDirectoryColumns.LastLoginAt);
        return descending
            ? members.OrderByDescending(lastLogin).ThenByDescending(email).ThenByDescending(m => m.Id)
            : members.OrderBy(lastLogin).ThenBy(email).ThenBy(m => m.Id);
    }
}

/// <summary>
/// The member-list copy of user fields on <c>memberships</c> (shadow properties) and the
/// database triggers that keep it equal to <c>users</c>.
/// </summary>
public static class MemberDirectoryColumns
{
    public const string Email = "UserEmail";

    public const string State = "UserState";

    public const string LastLoginAt = "UserLastLoginAt";

    public const string InsertTrigger = "memberships_copy_user";

    public const string UpdateTrigger = "users_copy_to_memberships";
}
