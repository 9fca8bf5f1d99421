using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Sessions;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Federation;

/// <summary>
/// Where sign-in through an organization's own identity provider ends: SAML 2.0 (src/Saml2) and
/// upstream OpenID Connect (OpenIddict.Client) handlers plug in here. A handler does the protocol
/// work: it validates the upstream answer (signature, issuer, audience, lifetime, the replay
/// cache in the database) and maps it to the account of a member of the organization whose
/// single sign-on it is. Then it calls <see cref="StartSessionAsync"/>, which starts the IdP
/// session with <see cref="SessionService.StartAsync"/>, the one session start that passkey and
/// password sign-in end in too: the same session row, cookie, claims and audit entry, so the
/// code flow, the session checks of Portal and Admin and sign-out never ask how someone came in.
/// </summary>
public sealed class FederatedSignIn(SessionService sessions, PortalDbContext db)
{
    /// <summary>
    /// Starts the session of <paramref name="user"/>, whom the identity provider of
    /// <paramref name="organizationId"/> authenticated. The session's method is always
    /// <see cref="AuthenticationMethods.Federated"/>, whatever the upstream provider reported
    /// (an organization's administrators control it, so its word is never a passkey here).
    /// False, and nothing started, when the account may not hold a session (suspended, reset,
    /// deactivated, pending), is a platform operator (operators sign in with their own passkey,
    /// never through a customer's provider), or is not a member of that organization with its
    /// single sign-on turned on. Also when the person belongs to any other organization: the
    /// session is an account session, good in each of their organizations, and one
    /// organization's provider must not sign anybody into another one (until sessions carry the
    /// organization that federated them). The handler then answers as any failed sign-in does.
    /// </summary>
    public async Task<bool> StartSessionAsync(HttpContext http, User user, Guid organizationId)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!user.State.MayHoldSession() || user.IsPlatformOperator)
        {
            return false;
        }

        var memberships = await db.Memberships.Where(m => m.UserId == user.Id)
            .Select(m => new { m.OrganizationId, m.Organization.Sso.Enabled })
            .ToListAsync(http.RequestAborted);
        if (memberships is not [{ Enabled: true } only] || only.OrganizationId != organizationId)
        {
            return false;
        }

        await sessions.StartAsync(http, user, [AuthenticationMethods.Federated], passkeyId: null);
        return true;
    }
}
