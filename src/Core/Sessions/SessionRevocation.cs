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
        var subject = userId.ToString();
        await db.Set<OpenIddictEntityFrameworkCoreToken>()
            .Where(t => t.Subject == subject && t.Status == Statuses.Valid)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.Status, Statuses.Revoked), cancellationToken);
        await db.Set<OpenIddictEntityFrameworkCoreAuthorization>()
            .Where(a => a.Subject == subject && a.Status == Statuses.Valid)
            .ExecuteUpdateAsync(set => set.SetProperty(a => a.Status, Statuses.Revoked), cancellationToken);
        return sessions;
    }
}
