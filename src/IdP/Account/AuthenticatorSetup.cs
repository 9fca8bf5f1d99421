using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Account;

/// <summary>
/// Authenticator-app codes on the account page. Setting up: after the current password a new key
/// is shown (and carried, protected, by the form); <see cref="TurnOnAsync"/> stores it and turns
/// codes on once a code from the app matches. Nothing is stored before that, so no page ever
/// shows a key read back from the database. Turning off takes the current password.
/// </summary>
public sealed class AuthenticatorSetup(
    PortalDbContext db, UserManager<User> users, CurrentPasswordCheck current, AuditTrail audit, TimeProvider clock, IDataProtectionProvider protection)
{
    /// <summary>
    /// The set-up's key, protected for this account and session for 15 minutes: it travels in the
    /// form. Bound to the account's stamp too: after any credential change (codes on, then off
    /// again) an old set-up cannot switch them back on with its key.
    /// </summary>
    public async Task<PendingAuthenticator> StartAsync(AuditActor actor, User account, Guid sessionId, string? currentPassword, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (account.TwoFactorEnabled)
        {
            // A live key is replaced only after turning codes off (which needs the password).
            throw new DomainException(AccountErrors.TotpAlreadyOn);
        }

        await current.VerifyAsync(actor, account.Id, currentPassword, cancellationToken);
        var key = users.GenerateNewAuthenticatorKey();
        return new PendingAuthenticator(key, SetupProtector.Protect($"{account.Id:N}|{sessionId:N}|{account.SecurityStamp}|{key}", TimeSpan.FromMinutes(15)));
    }

    /// <summary>The key of <paramref name="setup"/> if this account's session started it and nothing changed since; else null.</summary>
    public string? KeyOf(string? setup, User account, Guid sessionId)
    {
        ArgumentNullException.ThrowIfNull(account);
        try
        {
            var parts = SetupProtector.Unprotect(setup ?? "").Split('|');
            return parts.Length == 4 && parts[0] == account.Id.ToString("N") && parts[1] == sessionId.ToString("N")
                && string.Equals(parts[2], account.SecurityStamp, StringComparison.Ordinal) ? parts[3] : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Tampered, from another deployment or older than 15 minutes: start again.
            return null;
        }
    }

    /// <summary>Stores <paramref name="key"/> and turns codes on if <paramref name="code"/> matches it. Returns the account's new stamp.</summary>
    public Task<string?> TurnOnAsync(AuditActor actor, Guid userId, Guid sessionId, string key, string? code, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async inner =>
        {
            var user = await db.Users.SingleAsync(u => u.Id == userId, inner);
            if (user.TwoFactorEnabled)
            {
                throw new DomainException(AccountErrors.TotpAlreadyOn);
            }

            if (AuthenticatorCode.MatchingTimeStep(key, code, clock.GetUtcNow()) is null)
            {
                throw new DomainException(AccountErrors.TotpCodeWrong);
            }

            await users.SetAuthenticationTokenAsync(user, IdentityTokenNames.Provider, IdentityTokenNames.AuthenticatorKey, key);
            await users.SetTwoFactorEnabledAsync(user, true);
            await SessionRevocation.EndOthersAfterCredentialChangeAsync(db, user, sessionId, "authenticator codes turned on", clock.GetUtcNow(), inner);
            audit.Record(actor, AuditActions.TotpEnabled, null, user.Id);
            return user.SecurityStamp;
        }, cancellationToken);

    /// <summary>After the current password: codes off, key and recovery codes gone. Returns the account's new stamp.</summary>
    public async Task<string?> TurnOffAsync(AuditActor actor, Guid userId, Guid sessionId, string? currentPassword, CancellationToken cancellationToken)
    {
        await current.VerifyAsync(actor, userId, currentPassword, cancellationToken);
        return await db.InTransactionAsync(async inner =>
        {
            var user = await db.Users.SingleAsync(u => u.Id == userId, inner);
            await CredentialRemoval.TurnOffTotpAsync(db, user, inner);
            await SessionRevocation.EndOthersAfterCredentialChangeAsync(db, user, sessionId, "authenticator codes turned off", clock.GetUtcNow(), inner);
            audit.Record(actor, AuditActions.TotpDisabled, null, user.Id);
            return user.SecurityStamp;
        }, cancellationToken);
    }

    /// <summary>An otpauth URI for a set-up key (the text of a QR code).</summary>
    public static string UriOf(string email, string key) =>
        $"otpauth://totp/{Uri.EscapeDataString("Key Portal:" + email)}?secret={key}&issuer=Key%20Portal&digits=6";

    private ITimeLimitedDataProtector SetupProtector =>
        protection.CreateProtector("KeyPortal.IdP.TotpSetup").ToTimeLimitedDataProtector();
}
