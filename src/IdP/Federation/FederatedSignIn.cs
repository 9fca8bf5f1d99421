using KeyPortal.Core.Users;
using KeyPortal.IdP.Sessions;

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
public sealed class FederatedSignIn(SessionService sessions)
{
    /// <summary>
    /// Starts the session of <paramref name="user"/>, whom the organization's identity provider
    /// authenticated with <paramref name="methods"/> (RFC 8176 values, as it reported them).
    /// False, and nothing started, when the account may not hold a session (suspended, reset,
    /// deactivated, pending): the handler then answers as any failed sign-in does.
    /// </summary>
    public async Task<bool> StartSessionAsync(HttpContext http, User user, IReadOnlyList<string> methods)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!user.State.MayHoldSession())
        {
            return false;
        }

        await sessions.StartAsync(http, user, methods, passkeyId: null);
        return true;
    }
}
