using KeyPortal.Core.Passkeys;
using Microsoft.AspNetCore.Identity;

namespace KeyPortal.Core.Users;

/// <summary>A user as the operators' search lists them.</summary>
public sealed record UserRow(Guid Id, string Email, UserState State, bool IsPlatformOperator, int Memberships, DateTimeOffset? LastLoginAt);

/// <summary>One page of a search; <paramref name="Next"/> is the cursor of the following page, null on the last.</summary>
public sealed record UserPage(IReadOnlyList<UserRow> Rows, string? Next);

/// <summary>One organization of a user.</summary>
public sealed record UserMembershipView(Guid OrganizationId, string OrganizationName, string OrganizationSlug, MemberRoles Roles, DateTimeOffset JoinedAt);

/// <summary>A session of a user at the IdP.</summary>
public sealed record UserSessionView(
    Guid Id, string AuthenticationMethods, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset AbsoluteExpiresAt,
    DateTimeOffset? EndedAt, string? EndReason, string? ClientAddress, bool Active);

/// <summary>Everything an operator sees of an account: state, every membership, credentials, sessions.</summary>
public sealed record UserProfile(
    Guid Id,
    string Email,
    UserState State,
    UserState? StateBeforeSuspension,
    bool IsPlatformOperator,
    DateTimeOffset CreatedAt,
    DateTimeOffset StateChangedAt,
    DateTimeOffset? LastLoginAt,
    bool HasPassword,
    bool TotpEnabled,
    IReadOnlyList<PasskeySummary> Passkeys,
    IReadOnlyList<UserMembershipView> Memberships,
    IReadOnlyList<UserSessionView> Sessions)
{
    public bool Passwordless => User.IsPasswordless(HasPassword, Passkeys.Count);
}

/// <summary>
/// Users across every organization, for platform operators only (the console and its API admit
/// nobody else): search by email prefix, and one account's profile. The prefix search is a range
/// on the unique index of the normalized email (byte order on both databases), paged by position,
/// so it answers as fast at 100,000 accounts as at 100.
/// </summary>
public sealed class UserDirectory(PortalDbContext db, ILookupNormalizer normalizer, TimeProvider clock, AuthenticatorCatalog catalog)
{
    public const int DefaultLimit = 50;

    public const int MaxLimit = 200;

    /// <summary>The newest sessions shown on a profile.</summary>
    public const int SessionsShown = 20;

    /// <summary>
    /// Accounts whose email starts with <paramref name="emailPrefix"/> (every account when empty),
    /// by email; <paramref name="after"/> is a page's <see cref="UserPage.Next"/>.
    /// </summary>
    public async Task<UserPage> SearchAsync(string? emailPrefix, string? after, int? limit, CancellationToken cancellationToken = default)
    {
        var take = limit switch
        {
            null => DefaultLimit,
            < 1 or > MaxLimit => throw new DomainException(DomainErrors.PageLimitInvalid(MaxLimit)),
            { } value => value,
        };
        // Byte order on both databases: SQLite's default, PostgreSQL's "C" (its index of that order).
        var bytes = db is PostgresPortalDbContext ? "C" : "BINARY";
        var users = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(emailPrefix))
        {
            var prefix = normalizer.NormalizeEmail(emailPrefix.Trim());
            var end = prefix + char.ConvertFromUtf32(0x10FFFF);
            users = users.Where(u => string.Compare(EF.Functions.Collate(u.NormalizedEmail, bytes), prefix) >= 0
                && string.Compare(EF.Functions.Collate(u.NormalizedEmail, bytes), end) < 0);
        }

        if (DecodeAfter(after) is { } position)
        {
            users = users.Where(u => string.Compare(EF.Functions.Collate(u.NormalizedEmail, bytes), position) > 0);
        }

        var rows = await users.OrderBy(u => EF.Functions.Collate(u.NormalizedEmail, bytes)).Take(take + 1)
            .Select(u => new
            {
                u.Id,
                u.Email,
                u.NormalizedEmail,
                u.State,
                u.IsPlatformOperator,
                Memberships = db.Memberships.Count(m => m.UserId == u.Id),
                u.LastLoginAt,
            })
            .ToListAsync(cancellationToken);
        var page = rows.Take(take).Select(r => new UserRow(r.Id, r.Email ?? "", r.State, r.IsPlatformOperator, r.Memberships, r.LastLoginAt)).ToList();
        return new UserPage(page, rows.Count > take ? EncodeAfter(rows[take - 1].NormalizedEmail!) : null);
    }

    /// <summary>The account with this email (any case), or null.</summary>
    public Task<Guid?> FindIdByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        var normalized = normalizer.NormalizeEmail(email?.Trim() ?? "");
        return db.Users.AsNoTracking().Where(u => u.NormalizedEmail == normalized).Select(u => (Guid?)u.Id).SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>One account's profile; refused with <see cref="DomainErrors.UserNotFound"/> when there is none.</summary>
    public async Task<UserProfile> GetAsync(Guid userId, CancellationToken cancellationToken = default)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken)
            ?? throw new DomainException(DomainErrors.UserNotFound);
        var passkeys = await db.PasskeyCredentials.AsNoTracking()
            .Where(p => p.UserId == userId)
            .OrderBy(p => p.CreatedAt)
            .Select(p => new { p.Id, p.Name, p.Aaguid, p.CreatedAt, p.LastUsedAt, p.BackupEligible, p.BackedUp })
            .ToListAsync(cancellationToken);
        var memberships = await db.Memberships.AsNoTracking()
            .Where(m => m.UserId == userId)
            .OrderBy(m => m.Organization.Name).ThenBy(m => m.Organization.Slug)
            .Select(m => new { m.OrganizationId, m.Organization.Name, m.Organization.Slug, m.OrganizationRole, m.ChannelRoles, m.CreatedAt })
            .ToListAsync(cancellationToken);
        var sessions = await db.UserSessions.AsNoTracking()
            .Where(s => s.UserId == userId)
            .OrderByDescending(s => s.CreatedAt)
            .Take(SessionsShown)
            .ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        return new UserProfile(
            user.Id, user.Email ?? "", user.State, user.StateBeforeSuspension, user.IsPlatformOperator, user.CreatedAt, user.StateChangedAt,
            user.LastLoginAt, user.HasPassword, user.TotpEnabled,
            [.. passkeys.Select(p => new PasskeySummary(p.Id, p.Name, catalog.Find(p.Aaguid)?.Name, p.CreatedAt, p.LastUsedAt, p.BackupEligible, p.BackedUp))],
            [.. memberships.Select(m => new UserMembershipView(m.OrganizationId, m.Name, m.Slug, new MemberRoles(m.OrganizationRole, m.ChannelRoles), m.CreatedAt))],
            [.. sessions.Select(s => new UserSessionView(s.Id, s.AuthenticationMethods, s.CreatedAt, s.LastSeenAt, s.AbsoluteExpiresAt, s.EndedAt,
                s.EndReason, s.ClientAddress, s.IsActiveAt(now)))]);
    }

    /// <summary>The cursor of the page that starts after <paramref name="normalizedEmail"/>, as <see cref="UserPage.Next"/> gives it.</summary>
    public static string EncodeAfter(string normalizedEmail) =>
        Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(System.Text.Encoding.UTF8.GetBytes(normalizedEmail));

    private static string? DecodeAfter(string? after)
    {
        if (string.IsNullOrEmpty(after))
        {
            return null;
        }

        try
        {
            var text = System.Text.Encoding.UTF8.GetString(Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlDecode(after));
            return text.Length is > 0 and <= 256 ? text : throw new DomainException(DomainErrors.CursorInvalid);
        }
        catch (FormatException)
        {
            throw new DomainException(DomainErrors.CursorInvalid);
        }
    }
}
