using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace KeyPortal.Core.Sessions;

/// <summary>
/// Ends everything a user is signed in with: IdP sessions (and so Portal and Admin sessions,
/// which check them on every request) and every OAuth token and grant issued to them, so access
/// tokens are refused at once by resource servers that check token entries, not at expiry.
/// </summary>
public static class SessionRevocation
{
    public static async Task<int> EndAllAsync(PortalDbContext db, Guid userId, string reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var sessions = await db.UserSessions
            .Where(s => s.UserId == userId && s.EndedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.EndedAt, now).SetProperty(s => s.EndReason, reason), cancellationToken);
        await RevokeTokensAndGrantsAsync(db, userId, cancellationToken);
        return sessions;
    }

    /// <summary>
    /// The one rule for credential changes (a password set, changed or removed, authenticator
    /// codes turned on or off, a passkey registered or removed): the caller has rotated the
    /// account's security stamp; every other session of the account ends, every token and grant
    /// is revoked, and only <paramref name="keepSessionId"/> (the session that made the change,
    /// if it may go on) continues, with the new stamp. Portal and Admin refuse any session whose
    /// stamp is not the account's, so they follow at once.
    /// </summary>
    public static async Task<int> EndOthersAfterCredentialChangeAsync(
        PortalDbContext db, User user, Guid? keepSessionId, string reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(user);
        var ended = await db.UserSessions
            .Where(s => s.UserId == user.Id && s.EndedAt == null && s.Id != keepSessionId)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.EndedAt, now).SetProperty(s => s.EndReason, reason), cancellationToken);
        if (keepSessionId is { } kept)
        {
            var stamp = user.SecurityStamp;
            await db.UserSessions.Where(s => s.Id == kept && s.UserId == user.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(s => s.SecurityStamp, stamp), cancellationToken);
        }

        await RevokeTokensAndGrantsAsync(db, user.Id, cancellationToken);
        return ended;
    }

    /// <summary>Every OAuth token and grant issued to the user stops working (resource servers that check entries refuse them).</summary>
    private static async Task RevokeTokensAndGrantsAsync(PortalDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        var subject = userId.ToString();
        await db.Set<OpenIddictEntityFrameworkCoreToken>()
            .Where(t => t.Subject == subject && t.Status == Statuses.Valid)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.Status, Statuses.Revoked), cancellationToken);
        await db.Set<OpenIddictEntityFrameworkCoreAuthorization>()
            .Where(a => a.Subject == subject && a.Status == Statuses.Valid)
            .ExecuteUpdateAsync(set => set.SetProperty(a => a.Status, Statuses.Revoked), cancellationToken);
    }
}
