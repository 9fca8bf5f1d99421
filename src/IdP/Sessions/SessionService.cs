using System.Security.Claims;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Sessions;

/// <summary>Starts and ends IdP sessions: a <see cref="UserSession"/> row plus the session cookie.</summary>
public sealed class SessionService(
    PortalDbContext db, AuditTrail audit, TimeProvider clock, IOptions<IdentityProviderOptions> options, IDataProtectionProvider protection)
{
    /// <summary>Names the session a forced re-authentication set aside, until the new sign-in ends it.</summary>
    private const string SetAsideCookie = "KeyPortal.IdP.SetAside";

    public async Task StartAsync(
        HttpContext http, User user, IReadOnlyList<string> methods, Guid? passkeyId, bool passkeyRequired = false,
        Guid? federatedOrganizationId = null, string? via = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var now = clock.GetUtcNow();
        var session = new UserSession
        {
            Id = Guid.CreateVersion7(now),
            UserId = user.Id,
            AuthenticationMethods = string.Join(' ', methods),
            PasskeyCredentialId = passkeyId,
            CreatedAt = now,
            LastSeenAt = now,
            AbsoluteExpiresAt = now + options.Value.SessionMaximumLifetime,
            ClientAddress = ClientAddress.Of(http),
            SecurityStamp = user.SecurityStamp,
            FederatedOrganizationId = federatedOrganizationId,
        };
        db.UserSessions.Add(session);
        await EndSetAsideAsync(http, user.Id, now);
        db.Users.Attach(user);
        user.LastLoginAt = now;
        // A federated sign-in belongs to that organization's trail (its Owners follow their SSO there).
        audit.Record(AuditActor.ForUser(user, session.ClientAddress), AuditActions.SignInSucceeded, federatedOrganizationId, user.Id,
            via is null
                ? new { methods = session.AuthenticationMethods, session = session.Id, passkeyRequired }
                : (object)new { methods = session.AuthenticationMethods, session = session.Id, via });
        await db.SaveChangesAsync(http.RequestAborted);

        var identity = new ClaimsIdentity(SessionCookie.Scheme, KeyPortalClaims.Email, null);
        identity.AddClaim(new Claim(KeyPortalClaims.Subject, user.Id.ToString()));
        identity.AddClaim(new Claim(KeyPortalClaims.Email, user.Email ?? ""));
        identity.AddClaim(new Claim(KeyPortalClaims.SessionId, session.Id.ToString()));
        identity.AddClaim(new Claim(KeyPortalClaims.SecurityStamp, user.SecurityStamp ?? ""));
        identity.AddClaim(new Claim(KeyPortalClaims.AuthenticationTime, now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var method in methods)
        {
            identity.AddClaim(new Claim(KeyPortalClaims.AuthenticationMethod, method));
        }

        if (federatedOrganizationId is { } federated)
        {
            identity.AddClaim(new Claim(KeyPortalClaims.FederatedOrganization, federated.ToString()));
        }

        if (passkeyRequired)
        {
            identity.AddClaim(new Claim(KeyPortalClaims.PasskeyRequired, "true"));
        }

        await http.SignInAsync(SessionCookie.Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = false });
    }

    /// <summary>
    /// <c>prompt=login</c> or <c>max_age</c>: this browser must authenticate again. The session
    /// cookie goes, but the session itself stays until the same person has signed in again (then
    /// <see cref="StartAsync"/> ends it), so a forged navigation costs a sign-in at the IdP, not
    /// every app's session, and no app is left on a session nobody can sign out of.
    /// </summary>
    public async Task SetAsideAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var current = await http.AuthenticateAsync(SessionCookie.Scheme);
        if (current.Principal?.FindFirstValue(KeyPortalClaims.SessionId) is { } sessionId)
        {
            http.Response.Cookies.Append(SetAsideCookie, SetAsideProtector.Protect(sessionId, TimeSpan.FromMinutes(30)), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = http.Request.IsHttps,
                MaxAge = TimeSpan.FromMinutes(30),
            });
        }

        await http.SignOutAsync(SessionCookie.Scheme);
    }

    private ITimeLimitedDataProtector SetAsideProtector => protection.CreateProtector("KeyPortal.IdP.SetAsideSession").ToTimeLimitedDataProtector();

    /// <summary>The session this browser set aside, if it is the same person's: ended with the new sign-in, in its transaction.</summary>
    private async Task EndSetAsideAsync(HttpContext http, Guid userId, DateTimeOffset now)
    {
        if (!http.Request.Cookies.TryGetValue(SetAsideCookie, out var protectedId))
        {
            return;
        }

        http.Response.Cookies.Delete(SetAsideCookie);
        Guid sessionId;
        try
        {
            sessionId = Guid.Parse(SetAsideProtector.Unprotect(protectedId));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return;
        }

        var previous = await db.UserSessions.SingleOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId && s.EndedAt == null, http.RequestAborted);
        if (previous is not null)
        {
            previous.EndedAt = now;
            previous.EndReason = "replaced by a new sign-in";
        }
    }

    /// <summary>Ends the current session (row and cookie); audited.</summary>
    public async Task EndAsync(HttpContext http, string reason)
    {
        ArgumentNullException.ThrowIfNull(http);
        // The principal of this request, read before anything in it changed the security stamp
        // (registering a passkey does), else the cookie itself.
        var principal = http.User.Identity?.AuthenticationType == SessionCookie.Scheme
            ? http.User
            : (await http.AuthenticateAsync(SessionCookie.Scheme)).Principal;
        if (principal is not null && Guid.TryParse(principal.FindFirstValue(KeyPortalClaims.SessionId), out var sessionId))
        {
            var session = await db.UserSessions.SingleOrDefaultAsync(s => s.Id == sessionId, http.RequestAborted);
            if (session is { EndedAt: null })
            {
                session.EndedAt = clock.GetUtcNow();
                session.EndReason = reason;
                audit.Record(new AuditActor(session.UserId, principal.FindFirstValue(KeyPortalClaims.Email) ?? "", ClientAddress.Of(http)),
                    AuditActions.SignedOut, null, session.UserId, new { session = session.Id, reason });
                await db.SaveChangesAsync(http.RequestAborted);
            }
        }

        await http.SignOutAsync(SessionCookie.Scheme);
    }
}
