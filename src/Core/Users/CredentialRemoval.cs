namespace KeyPortal.Core.Users;

/// <summary>
/// The one home of taking credentials away: authenticator-app codes turned off, a password
/// removed (registering a passkey), everything wiped (an account reset). Each works on the user
/// the caller loaded, and locked where it must, in its own transaction, and rotates the security
/// stamp, so everything issued on the strength of the old credentials can be ended; ending
/// sessions, auditing and state changes stay with the caller.
/// </summary>
public static class CredentialRemoval
{
    /// <summary>
    /// Turns authenticator-app codes off: the key goes, and the recovery codes with it. They are
    /// the fallback of the same second factor; left behind, they would still stand in for a code
    /// if the codes were turned on again with a new app. True when codes were on.
    /// </summary>
    public static async Task<bool> TurnOffTotpAsync(PortalDbContext db, User user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(user);
        var wasOn = user.TwoFactorEnabled;
        user.TwoFactorEnabled = false;
        var secondFactor = await db.UserTokens
            .Where(t => t.UserId == user.Id && t.LoginProvider == IdentityTokenNames.Provider
                && (t.Name == IdentityTokenNames.AuthenticatorKey || t.Name == IdentityTokenNames.RecoveryCodes))
            .ToListAsync(cancellationToken);
        db.UserTokens.RemoveRange(secondFactor);
        user.RotateSecurityStamp();
        return wasOn;
    }

    /// <summary>
    /// SPEC: registering a passkey deletes the password "and any password-based MFA": the
    /// password, and authenticator-app codes with their recovery codes. True when codes were on.
    /// </summary>
    public static async Task<bool> RemovePasswordAsync(PortalDbContext db, User user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        user.PasswordHash = null;
        return await TurnOffTotpAsync(db, user, cancellationToken);
    }

    /// <summary>
    /// SPEC Account resets: every credential goes. Passkeys, the password, authenticator-app codes,
    /// recovery codes and every other token Identity keeps; with no password left, the password
    /// lockout is cleared too.
    /// </summary>
    public static async Task<WipedCredentials> WipeAllAsync(PortalDbContext db, User user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(user);
        var hadPassword = user.HasPassword;
        var hadTotp = user.TwoFactorEnabled;
        var passkeys = await db.PasskeyCredentials.Where(p => p.UserId == user.Id).ExecuteDeleteAsync(cancellationToken);
        await db.UserTokens.Where(t => t.UserId == user.Id).ExecuteDeleteAsync(cancellationToken);
        user.PasswordHash = null;
        user.TwoFactorEnabled = false;
        user.AccessFailedCount = 0;
        user.LockoutEnd = null;
        user.RotateSecurityStamp();
        return new WipedCredentials(passkeys, hadPassword, hadTotp);
    }
}
