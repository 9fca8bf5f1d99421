using KeyPortal.Core.Sessions;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Sessions;

/// <summary>
/// Runs on every request that carries the IdP cookie: the session must still be open and
/// within its absolute lifetime, the user must still be allowed to sign in, and the security
/// stamp must be unchanged. So signing out elsewhere, a reset, a suspension or a credential
/// change ends the session on the next request, not when the cookie expires.
/// </summary>
internal sealed class SessionValidator(PortalDbContext db, TimeProvider clock) : CookieAuthenticationEvents
{
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var principal = context.Principal;
        if (principal is null
            || !Guid.TryParse(principal.FindFirst(KeyPortalClaims.SessionId)?.Value, out var sessionId)
            || !Guid.TryParse(principal.FindFirst(KeyPortalClaims.Subject)?.Value, out var userId))
        {
            await RejectAsync(context);
            return;
        }

        var now = clock.GetUtcNow();
        // One lookup by primary key on each table (a join: a subquery with Single() here becomes
        // a window over every user on SQLite and PostgreSQL, a scan per request).
        var current = await (
                from s in db.UserSessions
                join u in db.Users on s.UserId equals u.Id
                where s.Id == sessionId && s.UserId == userId
                select new { Session = s, s.EndedAt, s.AbsoluteExpiresAt, u.State, u.SecurityStamp })
            .SingleOrDefaultAsync(context.HttpContext.RequestAborted);
        if (current is null
            || current.EndedAt is not null
            || current.AbsoluteExpiresAt <= now
            || !current.State.MayHoldSession()
            || !string.Equals(current.SecurityStamp, principal.FindFirst(KeyPortalClaims.SecurityStamp)?.Value, StringComparison.Ordinal))
        {
            await RejectAsync(context);
            return;
        }

        if (now - current.Session.LastSeenAt > TouchInterval)
        {
            current.Session.LastSeenAt = now;
            await db.SaveChangesAsync(context.HttpContext.RequestAborted);
        }
    }

    private static async Task RejectAsync(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(SessionCookie.Scheme);
    }
}
