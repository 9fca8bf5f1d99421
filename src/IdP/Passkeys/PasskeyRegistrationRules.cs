using System.Security.Claims;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Sessions;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Passkeys;

/// <summary>Who may register a passkey for themselves (from the sign-in pages or the account page), and when.</summary>
internal static class PasskeyRegistrationRules
{
    /// <summary>Members of an organization with single sign-on: their organization's IdP manages their credentials.</summary>
    public static Task<bool> IsManagedBySsoAsync(PortalDbContext db, Guid userId, CancellationToken cancellationToken) =>
        db.Memberships.AnyAsync(m => m.UserId == userId && m.Organization.Sso.Enabled, cancellationToken);

    /// <summary>Why <paramref name="user"/>, signed in as <paramref name="principal"/>, may not register a passkey now; null when they may.</summary>
    public static async Task<PasskeyRegistrationRefusal?> RefusalAsync(
        PortalDbContext db, User user, ClaimsPrincipal principal, RecentAuthentication recent, CancellationToken cancellationToken)
    {
        if (await IsManagedBySsoAsync(db, user.Id, cancellationToken))
        {
            return PasskeyRegistrationRefusal.ManagedBySso;
        }

        // A platform operator's passkey is the console's key: a password (phished, say) must not
        // be enough to enrol one. Operators add keys from a passkey sign-in, or through the
        // set-up link emailed to them (an operator reset, or "KeyPortal.Admin operator-link").
        if (user.IsPlatformOperator && !principal.FindAll(KeyPortalClaims.AuthenticationMethod).Any(c => c.Value == AuthenticationMethods.Passkey))
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
