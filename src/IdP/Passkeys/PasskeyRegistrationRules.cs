using System.Security.Claims;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Sessions;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Passkeys;

/// <summary>Who may register a passkey for themselves (from the sign-in pages or the account page), and when.</summary>
internal static class PasskeyRegistrationRules
{
    /// <summary>
    /// Members of organizations with single sign-on: their organizations' IdPs manage their
    /// credentials, so the product hides its own. Not so for anyone who still needs a credential
    /// of their own: a member of an organization without single sign-on, or an Owner (who manages
    /// single sign-on, from a passkey session, so a broken set-up cannot lock them out).
    /// </summary>
    public static async Task<bool> IsManagedBySsoAsync(PortalDbContext db, Guid userId, CancellationToken cancellationToken) =>
        await db.Memberships.AnyAsync(m => m.UserId == userId && m.Organization.Sso.Enabled, cancellationToken)
        && !await db.Memberships.AnyAsync(m => m.UserId == userId && (!m.Organization.Sso.Enabled || m.OrganizationRole == OrganizationRole.Owner), cancellationToken);

    /// <summary>Why <paramref name="user"/>, signed in as <paramref name="principal"/>, may not register a passkey now; null when they may.</summary>
    public static async Task<PasskeyRegistrationRefusal?> RefusalAsync(
        PortalDbContext db, User user, ClaimsPrincipal principal, RecentAuthentication recent, CancellationToken cancellationToken)
    {
        if (await IsManagedBySsoAsync(db, user.Id, cancellationToken))
        {
            return PasskeyRegistrationRefusal.ManagedBySso;
        }

        // A session an organization's identity provider made never enrols a credential: that
        // provider's administrators would otherwise turn it into a passkey good everywhere the
        // person belongs. (RecentAuthentication never counts such a session as recent either.)
        if (AuthenticationMethods.Include(principal, AuthenticationMethods.Federated))
        {
            return PasskeyRegistrationRefusal.SignInAgainFirst;
        }

        // A platform operator's passkey is the console's key: a password (phished, say) must not
        // be enough to enrol one. Operators add keys from a passkey sign-in, or through the
        // set-up link emailed to them (an operator reset, or "KeyPortal.Admin operator-link").
        if (user.IsPlatformOperator && !AuthenticationMethods.Include(principal, AuthenticationMethods.Passkey))
        {
            return PasskeyRegistrationRefusal.OperatorWithoutPasskey;
        }

        // A stale session must not register a key: people with a passkey confirm with it, a
        // password-only person signs in again (registering would delete their password).
        if (!recent.IsRecent(principal))
        {
            var hasPasskey = await db.PasskeyCredentials.AnyAsync(p => p.UserId == user.Id, cancellationToken);
            return hasPasskey ? PasskeyRegistrationRefusal.ConfirmWithPasskeyFirst : PasskeyRegistrationRefusal.SignInAgainFirst;
        }

        return null;
    }
}
