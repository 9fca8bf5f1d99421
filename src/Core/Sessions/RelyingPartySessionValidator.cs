using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Logging;

namespace KeyPortal.Core.Sessions;

/// <summary>
/// Decides whether a relying party (Portal, Admin) may admit a user in one of their IdP sessions:
/// an app-specific rule on top of the checks every app makes (the session is live and the
/// account active). Runs on every request, so keep it to one indexed query.
/// </summary>
public delegate Task<bool> AdmissionRule(User user, UserSession session, PortalDbContext db, CancellationToken cancellationToken);

/// <summary>Why a signed-in principal was turned away; <see cref="None"/> when it was not.</summary>
public enum SessionRejection
{
    None = 0,

    /// <summary>The principal lacks a well-formed <c>sub</c> or <c>sid</c> claim.</summary>
    MissingClaims,

    /// <summary>No user has the <c>sub</c> (never existed, or deleted).</summary>
    UnknownUser,

    /// <summary>The user is Pending, Reset, Suspended or Deactivated.</summary>
    UserNotActive,

    /// <summary>The IdP session (<c>sid</c>) is unknown, belongs to someone else, was ended, is past its absolute expiry, or predates a credential change.</summary>
    SessionEnded,

    /// <summary>The app's own admission rule refuses the user (Portal: no membership; Admin: not an operator).</summary>
    NotAdmitted,
}

/// <summary>
/// Checks a relying party's cookie principal against the live database. The cookie alone proves
/// only that the IdP once signed the user in; everything that can end that right afterwards
/// (signing out at the IdP, a reset, a suspension, removal from the last organization, losing
/// operator status) lives in the database, so checking it on every request is what makes those
/// take effect in Portal and Admin at once, without back-channel calls between the apps.
/// </summary>
public sealed partial class RelyingPartySessionValidator(
    PortalDbContext db,
    TimeProvider clock,
    AdmissionRule admits,
    ILogger<RelyingPartySessionValidator> logger)
{
    public async Task<SessionRejection> ValidateAsync(ClaimsPrincipal? principal, CancellationToken cancellationToken = default)
    {
        if (!TryGetGuid(principal, KeyPortalClaims.Subject, out var userId) || !TryGetGuid(principal, KeyPortalClaims.SessionId, out var sessionId))
        {
            return SessionRejection.MissingClaims;
        }

        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return SessionRejection.UnknownUser;
        }

        if (!user.State.MayHoldSession())
        {
            return SessionRejection.UserNotActive;
        }

        var session = await db.UserSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId, cancellationToken);
        // A session made before the account's last credential change is over, wherever it lives.
        if (session is null || session.UserId != user.Id || !session.IsActiveAt(clock.GetUtcNow())
            || !string.Equals(session.SecurityStamp, user.SecurityStamp, StringComparison.Ordinal))
        {
            return SessionRejection.SessionEnded;
        }

        if (!await admits(user, session, db, cancellationToken))
        {
            return SessionRejection.NotAdmitted;
        }

        return SessionRejection.None;
    }

    /// <summary>
    /// <see cref="CookieAuthenticationEvents.OnValidatePrincipal"/>: a principal that fails
    /// <see cref="ValidateAsync"/> is rejected and its cookie deleted, so the request continues
    /// anonymous and a protected page challenges the IdP again.
    /// </summary>
    public async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rejection = await ValidateAsync(context.Principal, context.HttpContext.RequestAborted);
        if (rejection == SessionRejection.None)
        {
            return;
        }

        LogRejected(logger, context.Principal?.FindFirst(KeyPortalClaims.Subject)?.Value, rejection);
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(context.Scheme.Name);
    }

    private static bool TryGetGuid(ClaimsPrincipal? principal, string type, out Guid value)
    {
        value = default;
        return principal?.FindFirst(type)?.Value is { } text && Guid.TryParse(text, out value);
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Session of user {UserId} ended in this app: {Rejection}.")]
    private static partial void LogRejected(ILogger logger, string? userId, SessionRejection rejection);
}
