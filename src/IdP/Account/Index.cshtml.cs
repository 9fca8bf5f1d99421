using System.Security.Claims;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Passkeys;
using KeyPortal.IdP.Sessions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Account;

/// <summary>
/// Manage credentials: the signed-in user's passkeys (add, rename, remove, identify) and, while
/// they still have one, their password and TOTP. Every form posts here (<c>/account?handler=...</c>)
/// and every refusal shows this page again; each action's work is its own class
/// (<see cref="PasswordChange"/>, <see cref="AuthenticatorSetup"/>, <see cref="PasskeyManagement"/>)
/// and each section its own partial. Signed-in users only, for themselves; every change needs a
/// recent authentication (or, for the password's own sections, the current password) and is audited.
/// </summary>
[Authorize]
public sealed class IndexModel(
    PortalDbContext db, PasskeyManagement passkeys, RecentAuthentication recent, PasswordChange passwords, AuthenticatorSetup authenticator)
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

    /// <summary>An otpauth URI for the setup key (the text of a QR code).</summary>
    public string TotpUri => AuthenticatorSetup.UriOf(Account.Email ?? "", TotpSetupKey ?? "");

    private Guid CurrentSessionId => Guid.Parse(User.FindFirstValue(KeyPortalClaims.SessionId)!);

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
            await KeepSessionAsync(await db.Users.Where(u => u.Id == Account.Id).Select(u => u.SecurityStamp).SingleAsync(ct));
        }, cancellationToken);

    public Task<IActionResult> OnPostChangePasswordAsync(CancellationToken cancellationToken) =>
        ChangeAsync("password-changed", async (actor, ct) =>
            await KeepSessionAsync(await passwords.ChangeAsync(actor, Account.Id, CurrentSessionId, CurrentPassword, NewPassword, ConfirmPassword, ct)),
            cancellationToken, passwordOnly: true);

    public Task<IActionResult> OnPostDisableTotpAsync(CancellationToken cancellationToken) =>
        ChangeAsync("totp-disabled", async (actor, ct) =>
            await KeepSessionAsync(await authenticator.TurnOffAsync(actor, Account.Id, CurrentSessionId, CurrentPassword, ct)),
            cancellationToken, passwordOnly: true);

    /// <summary>Shows a new authenticator key after the current password; <see cref="OnPostConfirmTotpAsync"/> turns codes on with it.</summary>
    public async Task<IActionResult> OnPostStartTotpAsync(CancellationToken cancellationToken)
    {
        var result = await ChangeAsync("", async (actor, ct) =>
        {
            var pending = await authenticator.StartAsync(actor, Account, CurrentSessionId, CurrentPassword, ct);
            TotpSetupKey = pending.Key;
            TotpSetup = pending.Setup;
        }, cancellationToken, passwordOnly: true);
        return TotpSetupKey is null ? result : Page();
    }

    public Task<IActionResult> OnPostConfirmTotpAsync(CancellationToken cancellationToken) =>
        ChangeAsync("totp-enabled", async (actor, ct) =>
        {
            // Only the page that proved the password in this session holds a setup to confirm.
            var key = authenticator.KeyOf(TotpSetup, Account, CurrentSessionId) ?? throw new DomainException(AccountErrors.TotpSetupExpired);
            try
            {
                await KeepSessionAsync(await authenticator.TurnOnAsync(actor, Account.Id, CurrentSessionId, key, TotpCode, ct));
            }
            catch (DomainException wrong) when (wrong.Error == AccountErrors.TotpCodeWrong)
            {
                // The same key again (the submitter had it already), never the stored one.
                TotpSetupKey = key;
                throw;
            }
        }, cancellationToken, passwordOnly: true);

    /// <summary>This session goes on after its own credential change, with the account's new stamp.</summary>
    private Task KeepSessionAsync(string? stamp) => recent.KeepAfterCredentialChangeAsync(HttpContext, stamp);

    private async Task<IActionResult> ChangeAsync(
        string done, Func<AuditActor, CancellationToken, Task> change, CancellationToken cancellationToken, bool passwordOnly = false)
    {
        await LoadAsync(cancellationToken);
        // A session an organization's identity provider made changes no credential of the account
        // (that provider's administrators vouch for the person there, not for the account).
        var federated = AuthenticationMethods.Include(User, AuthenticationMethods.Federated);
        if (ManagedBySso || federated || (passwordOnly && !Account.HasPassword))
        {
            Error = ManagedBySso ? "Your organization's identity provider manages how you sign in."
                : federated ? "You signed in through your organization's identity provider. Sign in with your passkey to change your credentials."
                : "You have no password.";
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
