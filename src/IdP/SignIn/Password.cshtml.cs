using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Sessions;
using KeyPortal.IdP.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.SignIn;

/// <summary>
/// Legacy password sign-in with optional TOTP, and the way into "Create passkey" for password
/// users. Anyone may call it; rate-limited per address and per account.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(SignInSetup.RateLimitPolicy)]
public sealed class PasswordModel(
    PasswordSignIn passwords, SessionService sessions, SignInThrottle throttle, PortalDbContext db,
    Microsoft.AspNetCore.Identity.ILookupNormalizer normalizer, IDataProtectionProvider protection) : PageModel
{
    private const string TotpCookie = "KeyPortal.IdP.Totp";

    [BindProperty(SupportsGet = true)]
    public string ReturnUrl { get; set; } = "/";

    [BindProperty(SupportsGet = true)]
    public string? Next { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public string? Code { get; set; }

    public string? Error { get; private set; }

    public bool NeedsTotp { get; private set; }

    public bool CreatingPasskey => Next == "create-passkey";

    private ITimeLimitedDataProtector Protector => protection.CreateProtector("KeyPortal.IdP.PasswordSignIn.Totp").ToTimeLimitedDataProtector();

    public void OnGet() => ReturnUrl = ReturnUrls.Safe(ReturnUrl);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        ReturnUrl = ReturnUrls.Safe(ReturnUrl);
        var address = ClientAddress.Of(HttpContext);
        if (!string.IsNullOrEmpty(Code))
        {
            return await VerifyTotpAsync(address, cancellationToken);
        }

        if (string.IsNullOrEmpty(Email) || string.IsNullOrEmpty(Password))
        {
            Error = SignInMessages.GenericFailure;
            return Page();
        }

        if (!await throttle.TryAcquireAsync(normalizer.NormalizeEmail(Email.Trim()), ClientAddress.ThrottleKey(HttpContext), cancellationToken))
        {
            Error = SignInMessages.TooManyAttempts;
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }

        var check = await passwords.CheckAsync(Email, Password, address, cancellationToken);
        if (!check.Succeeded)
        {
            Error = SignInMessages.GenericFailure;
            return Page();
        }

        if (check.NeedsTotp)
        {
            // The password was right; the second factor is asked on the next request. The
            // pending user is carried in a short-lived protected cookie, not in the session.
            Response.Cookies.Append(TotpCookie, Protector.Protect(check.User!.Id.ToString(), TimeSpan.FromMinutes(5)),
                new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = Request.IsHttps, MaxAge = TimeSpan.FromMinutes(5) });
            NeedsTotp = true;
            return Page();
        }

        return await CompleteAsync(check.User!, [AuthenticationMethods.Password]);
    }

    private async Task<IActionResult> VerifyTotpAsync(string? address, CancellationToken cancellationToken)
    {
        NeedsTotp = true;
        if (!Request.Cookies.TryGetValue(TotpCookie, out var pending) || !TryUnprotect(pending, out var userId))
        {
            NeedsTotp = false;
            Error = SignInMessages.GenericFailure;
            return Page();
        }

        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        // The code step shares the account's sign-in limit: a known password gives no extra guesses.
        if (!await throttle.TryAcquireAsync(user.NormalizedEmail!, ClientAddress.ThrottleKey(HttpContext), cancellationToken))
        {
            Error = SignInMessages.TooManyAttempts;
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }

        if (!await passwords.CheckTotpAsync(user, Code!, address, cancellationToken))
        {
            Error = SignInMessages.GenericFailure;
            return Page();
        }

        Response.Cookies.Delete(TotpCookie);
        return await CompleteAsync(user, [AuthenticationMethods.Password, AuthenticationMethods.OneTimePassword, AuthenticationMethods.MultiFactor]);
    }

    private async Task<IActionResult> CompleteAsync(User user, string[] methods)
    {
        var passkeyOnly = passwords.AfterCutoff || CreatingPasskey;
        await sessions.StartAsync(HttpContext, user, methods, passkeyId: null, passkeyRequired: passwords.AfterCutoff);
        // Every password sign-in is offered the passkey; after the cut-off it is the only way on.
        return RedirectToPage("/SignIn/CreatePasskey", new { ReturnUrl, required = passkeyOnly });
    }

    private bool TryUnprotect(string value, out Guid userId)
    {
        userId = Guid.Empty;
        try
        {
            return Guid.TryParse(Protector.Unprotect(value), out userId);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
