using System.Security.Claims;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Passkeys;
using KeyPortal.IdP.Sessions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Account;

/// <summary>
/// Manage credentials: the signed-in user's passkeys (add, rename, remove, identify) and, while
/// they still have one, their password and TOTP. Signed-in users only, for themselves; every
/// change needs a recent authentication and is audited.
/// </summary>
[Authorize]
public sealed class IndexModel(
    PortalDbContext db, PasskeyManagement passkeys, RecentAuthentication recent, UserManager<User> users, LegacyCredentials credentials,
    AuditTrail audit, TimeProvider clock, IDataProtectionProvider protection)
    : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? Highlight { get; set; }

    [BindProperty]
    public Guid PasskeyId { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? CurrentPassword { get; set; }

    [BindProperty]
    public string? NewPassword { get; set; }

    [BindProperty]
    public string? ConfirmPassword { get; set; }

    [BindProperty]
    public string? TotpCode { get; set; }

    /// <summary>
    /// The key being set up, protected for this account and session for 15 minutes: it travels
    /// in the form, and nothing is stored until a code from the app matches it.
    /// </summary>
    [BindProperty]
    public string? TotpSetup { get; set; }

    /// <summary>The new authenticator key while TOTP is being set up (to type or scan).</summary>
    public string? TotpSetupKey { get; private set; }

    public User Account { get; private set; } = null!;

    public IReadOnlyList<PasskeySummary> Passkeys { get; private set; } = [];

    /// <summary>The passkey this session signed in with, if any.</summary>
    public Guid? SessionPasskeyId { get; private set; }

    public bool ManagedBySso { get; private set; }

    public bool Recent { get; private set; }

    public string? Error { get; private set; }

    /// <summary>The change was refused because the last authentication is too old.</summary>
    public bool NeedsReverify { get; private set; }

    public override void OnPageHandlerExecuting(Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutingContext context)
    {
        // The page can show an authenticator set-up key: never cached.
        Response.Headers.CacheControl = "no-store";
    }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public Task<IActionResult> OnPostRenameAsync(CancellationToken cancellationToken) =>
        ChangeAsync("renamed", (actor, ct) => passkeys.RenameAsync(actor, Account.Id, PasskeyId, Name, ct), cancellationToken);

    public Task<IActionResult> OnPostRemoveAsync(CancellationToken cancellationToken) =>
        ChangeAsync("removed", async (actor, ct) =>
        {
            await passkeys.RemoveAsync(actor, Account.Id, PasskeyId, CurrentSessionId, ct);
            // This session goes on (unless it was signed in with the removed key) with the new stamp.
            var stamp = await db.Users.Where(u => u.Id == Account.Id).Select(u => u.SecurityStamp).SingleAsync(ct);
            await recent.KeepAfterCredentialChangeAsync(HttpContext, stamp);
        }, cancellationToken);

    private Guid CurrentSessionId => Guid.Parse(User.FindFirstValue(KeyPortalClaims.SessionId)!);

    public Task<IActionResult> OnPostChangePasswordAsync(CancellationToken cancellationToken) =>
        ChangeAsync("password-changed", async (actor, ct) =>
        {
            if (!string.Equals(NewPassword, ConfirmPassword, StringComparison.Ordinal))
            {
                throw new DomainException(DomainErrors.PasswordsDiffer);
            }

            await VerifyCurrentPasswordAsync(actor, ct);
            var sessionId = Guid.Parse(User.FindFirstValue(KeyPortalClaims.SessionId)!);
            var stamp = await db.InTransactionAsync(async inner =>
            {
                var user = await db.Users.SingleAsync(u => u.Id == Account.Id, inner);
                var result = await users.ChangePasswordAsync(user, CurrentPassword ?? "", NewPassword ?? "");
                if (!result.Succeeded)
                {
                    throw new DomainException(result.Errors.Any(e => e.Code == "PasswordMismatch")
                        ? AccountErrors.CurrentPasswordWrong
                        : DomainErrors.PasswordInvalid(result.Errors.Select(e => e.Description)));
                }

                // Every other session and token of the account ends; this one continues with the new stamp.
                await SessionRevocation.EndOthersAfterCredentialChangeAsync(db, user, sessionId, "password changed", clock.GetUtcNow(), inner);
                audit.Record(actor, AuditActions.PasswordChanged, null, user.Id);
                return user.SecurityStamp;
            }, ct);
            await recent.KeepAfterCredentialChangeAsync(HttpContext, stamp);
        }, cancellationToken, passwordOnly: true);

    public Task<IActionResult> OnPostDisableTotpAsync(CancellationToken cancellationToken) =>
        ChangeAsync("totp-disabled", async (actor, ct) =>
        {
            await VerifyCurrentPasswordAsync(actor, ct);
            var stamp = await db.InTransactionAsync(async inner =>
            {
                var user = await db.Users.SingleAsync(u => u.Id == Account.Id, inner);
                await CredentialRemoval.TurnOffTotpAsync(db, user, inner);
                await SessionRevocation.EndOthersAfterCredentialChangeAsync(db, user, CurrentSessionId, "authenticator codes turned off", clock.GetUtcNow(), inner);
                audit.Record(actor, AuditActions.TotpDisabled, null, user.Id);
                return user.SecurityStamp;
            }, ct);
            await recent.KeepAfterCredentialChangeAsync(HttpContext, stamp);
        }, cancellationToken, passwordOnly: true);

    /// <summary>
    /// Starts authenticator-app codes: after the current password, a new key is shown (and
    /// carried, protected, by the form); <see cref="OnPostConfirmTotpAsync"/> stores it and turns
    /// codes on once a code from the app matches. Nothing is stored before that, so no page ever
    /// shows a key read back from the database.
    /// </summary>
    public async Task<IActionResult> OnPostStartTotpAsync(CancellationToken cancellationToken)
    {
        var result = await ChangeAsync("", async (actor, ct) =>
        {
            if (Account.TwoFactorEnabled)
            {
                // A live key is replaced only after turning codes off (which needs the password).
                throw new DomainException(AccountErrors.TotpAlreadyOn);
            }

            await VerifyCurrentPasswordAsync(actor, ct);
            TotpSetupKey = users.GenerateNewAuthenticatorKey();
            // Bound to the account's stamp too: after any credential change (codes on, then off
            // again) an old set-up cannot switch them back on with its key.
            TotpSetup = SetupProtector.Protect($"{Account.Id:N}|{CurrentSessionId:N}|{Account.SecurityStamp}|{TotpSetupKey}", TimeSpan.FromMinutes(15));
        }, cancellationToken, passwordOnly: true);
        return TotpSetupKey is null ? result : Page();
    }

    public Task<IActionResult> OnPostConfirmTotpAsync(CancellationToken cancellationToken) =>
        ChangeAsync("totp-enabled", async (actor, ct) =>
        {
            // Only the page that proved the password in this session holds a setup to confirm.
            var key = SetupKeyOfThisSession() ?? throw new DomainException(AccountErrors.TotpSetupExpired);
            var stamp = await db.InTransactionAsync(async inner =>
            {
                var user = await db.Users.SingleAsync(u => u.Id == Account.Id, inner);
                if (user.TwoFactorEnabled)
                {
                    throw new DomainException(AccountErrors.TotpAlreadyOn);
                }

                if (AuthenticatorCode.MatchingTimeStep(key, TotpCode, clock.GetUtcNow()) is null)
                {
                    // The same key again (the submitter had it already), never the stored one.
                    TotpSetupKey = key;
                    throw new DomainException(AccountErrors.TotpCodeWrong);
                }

                await users.SetAuthenticationTokenAsync(user, IdentityTokenNames.Provider, IdentityTokenNames.AuthenticatorKey, key);
                await users.SetTwoFactorEnabledAsync(user, true);
                await SessionRevocation.EndOthersAfterCredentialChangeAsync(db, user, CurrentSessionId, "authenticator codes turned on", clock.GetUtcNow(), inner);
                audit.Record(actor, AuditActions.TotpEnabled, null, user.Id);
                return user.SecurityStamp;
            }, ct);
            await recent.KeepAfterCredentialChangeAsync(HttpContext, stamp);
        }, cancellationToken, passwordOnly: true);

    private ITimeLimitedDataProtector SetupProtector =>
        protection.CreateProtector("KeyPortal.IdP.TotpSetup").ToTimeLimitedDataProtector();

    private string? SetupKeyOfThisSession()
    {
        try
        {
            var parts = SetupProtector.Unprotect(TotpSetup ?? "").Split('|');
            return parts.Length == 4 && parts[0] == Account.Id.ToString("N") && parts[1] == CurrentSessionId.ToString("N")
                && string.Equals(parts[2], Account.SecurityStamp, StringComparison.Ordinal) ? parts[3] : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Tampered, from another deployment or older than 15 minutes: start again.
            return null;
        }
    }

    /// <summary>An otpauth URI for the setup key (the text of a QR code).</summary>
    public string TotpUri => $"otpauth://totp/{Uri.EscapeDataString("Key Portal:" + Account.Email)}?secret={TotpSetupKey}&issuer=Key%20Portal&digits=6";

    /// <summary>
    /// Checks the current password; a wrong one counts toward the account's lockout like a failed
    /// sign-in and is audited, and a locked-out account is refused whatever it types.
    /// </summary>
    private async Task VerifyCurrentPasswordAsync(AuditActor actor, CancellationToken ct)
    {
        var user = await db.Users.SingleAsync(u => u.Id == Account.Id, ct);
        var valid = await users.CheckPasswordAsync(user, CurrentPassword ?? "");
        db.Entry(user).State = EntityState.Detached;
        if (await credentials.RecordPasswordAsync(actor, user.Id, valid, "account", ct) != CredentialCheck.Valid)
        {
            throw new DomainException(AccountErrors.CurrentPasswordWrong);
        }

    }

    private async Task<IActionResult> ChangeAsync(
        string done, Func<AuditActor, CancellationToken, Task> change, CancellationToken cancellationToken, bool passwordOnly = false)
    {
        await LoadAsync(cancellationToken);
        if (ManagedBySso || (passwordOnly && !Account.HasPassword))
        {
            Error = ManagedBySso ? "Your organization's identity provider manages how you sign in." : "You have no password.";
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }

        // A password change proves the password itself; everything else needs a recent sign-in.
        if (!passwordOnly && !Recent)
        {
            NeedsReverify = true;
            Error = Passkeys.Count > 0
                ? "For your security, confirm it's you with one of your passkeys first."
                : "For your security, sign in again before changing your credentials.";
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }

        try
        {
            await change(AuditActor.ForUser(Account, ClientAddress.Of(HttpContext)), cancellationToken);
        }
        catch (DomainException refused)
        {
            Error = refused.Error.Message;
            Response.StatusCode = KeyPortal.Hosting.DomainExceptionHandler.StatusCodeOf(refused.Error);
            db.ChangeTracker.Clear();
            await LoadAsync(cancellationToken);
            return Page();
        }

        return Redirect($"/account?done={done}");
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var userId = Guid.Parse(User.FindFirstValue(KeyPortalClaims.Subject)!);
        Account = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, cancellationToken);
        Passkeys = await passkeys.ListAsync(userId, cancellationToken);
        ManagedBySso = await PasskeyRegistrationRules.IsManagedBySsoAsync(db, userId, cancellationToken);
        Recent = recent.IsRecent(User);
        if (Guid.TryParse(User.FindFirstValue(KeyPortalClaims.SessionId), out var sessionId))
        {
            SessionPasskeyId = await db.UserSessions.Where(s => s.Id == sessionId).Select(s => s.PasskeyCredentialId).SingleOrDefaultAsync(cancellationToken);
        }
    }
}

internal static class AccountErrors
{
    public static readonly DomainError TotpAlreadyOn = new("totp.already_on", "Authenticator-app codes are already on. Turn them off first to set up a new app.", DomainErrorKind.Conflict);

    public static readonly DomainError TotpSetupExpired = new("totp.setup_expired", "This set-up has expired or belongs to another sign-in. Start again with your current password.");

    public static readonly DomainError TotpCodeWrong = new("totp.code_wrong", "That code does not match. Check the time on your phone and enter the current code.");

    public static readonly DomainError CurrentPasswordWrong = new("password.current_wrong", "Your current password is not correct.");
}
