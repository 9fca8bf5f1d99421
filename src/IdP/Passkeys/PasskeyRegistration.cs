using System.Security.Claims;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Sessions;
using KeyPortal.IdP.Shared;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Passkeys;

/// <summary>
/// The signed-in user registers a passkey for themselves: the ceremony behind "Create passkey"
/// (sign-in pages) and "Add a passkey" (account page), under <see cref="PasskeyRegistrationRules"/>
/// at its start and again at its end.
/// </summary>
internal static class PasskeyRegistration
{
    /// <summary>Options to register a passkey for the signed-in user (recent sign-in, no SSO organization).</summary>
    public static async Task<IResult> BeginAsync(PortalDbContext db, PasskeyService passkeys, RecentAuthentication recent, HttpContext http)
    {
        var user = await CurrentUserAsync(db, http);
        if (await PasskeyRegistrationRules.RefusalAsync(db, user, http.User, recent, http.RequestAborted) is { } refusal)
        {
            return Refused(refusal);
        }

        var start = await passkeys.BeginRegistrationAsync(user, http.RequestAborted);
        return Results.Ok(CeremonyResponse.From(start));
    }

    /// <summary>
    /// Completes the signed-in user's registration ceremony under the same rules as its start, then
    /// answers with <paramref name="next"/>. Policy refusals say why (synced passkey, not a YubiKey,
    /// firmware too old).
    /// </summary>
    public static async Task<IResult> CompleteAsync(
        CompleteCeremonyRequest body, PortalDbContext db, PasskeyService passkeys, RecentAuthentication recent, HttpContext http,
        Func<User, PasskeyCredential, Task<IResult>> next)
    {
        var user = await CurrentUserAsync(db, http);
        if (await PasskeyRegistrationRules.RefusalAsync(db, user, http.User, recent, http.RequestAborted) is { } refusal)
        {
            return Refused(refusal);
        }

        try
        {
            var session = Guid.TryParse(http.User.FindFirstValue(KeyPortalClaims.SessionId), out var id) ? id : (Guid?)null;
            var credential = await passkeys.CompleteRegistrationAsync(
                AuditActor.ForUser(user, ClientAddress.Of(http)), body.CeremonyId, user.Id, body.Credential.ToJsonString(), session, http.RequestAborted);
            // This session goes on with the account's new stamp (unless the next step ends it).
            var stamp = await db.Users.Where(u => u.Id == user.Id).Select(u => u.SecurityStamp).SingleAsync(http.RequestAborted);
            await recent.KeepAfterCredentialChangeAsync(http, stamp);
            return await next(user, credential);
        }
        catch (DomainException refused)
        {
            return Results.Json(new { error = refused.Error.Message }, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>The user proves the new key works by signing in with it before relying on it: this session ends.</summary>
    public static async Task<IResult> ProveNewKeyAsync(SessionService sessions, HttpContext http, PasskeyCredential credential, string? returnUrl)
    {
        await sessions.EndAsync(http, "passkey created");
        var next = QueryHelpers.AddQueryString("/signin/passkey-created", new Dictionary<string, string?>
        {
            // The stored name, protected: the page never shows words from the address bar.
            ["key"] = PasskeyCreatedName.Protector(http.RequestServices).Protect(credential.Name, TimeSpan.FromMinutes(30)),
            ["ReturnUrl"] = ReturnUrls.Safe(returnUrl),
        });
        return Results.Ok(new { redirect = next });
    }

    /// <summary>A refusal in the words the page shows; always 403.</summary>
    private static IResult Refused(PasskeyRegistrationRefusal refusal) => refusal switch
    {
        PasskeyRegistrationRefusal.ManagedBySso => Forbidden(new { error = "Your organization's identity provider manages how you sign in." }),
        PasskeyRegistrationRefusal.OperatorWithoutPasskey => Forbidden(new
        {
            error = "Operators add security keys only after signing in with one, or through the set-up link emailed to them. Ask another operator to reset your account.",
        }),
        PasskeyRegistrationRefusal.ConfirmWithPasskeyFirst => Forbidden(new { error = "Confirm it's you first.", reverify = true }),
        _ => Forbidden(new { error = "Your sign-in is too old for this. Sign in again with your password, then create the passkey.", reverify = false }),
    };

    private static IResult Forbidden(object body) => Results.Json(body, statusCode: StatusCodes.Status403Forbidden);

    private static async Task<User> CurrentUserAsync(PortalDbContext db, HttpContext http)
    {
        var userId = Guid.Parse(http.User.FindFirstValue(KeyPortalClaims.Subject)!);
        // Untracked: the passkey service locks and reloads the account in its own transaction.
        return await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, http.RequestAborted);
    }
}
