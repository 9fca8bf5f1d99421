using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Account;
using KeyPortal.IdP.Sessions;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.SignIn;

/// <summary>
/// JSON endpoints behind the passkey buttons of the sign-in pages: start a ceremony (options for
/// <c>navigator.credentials</c>), finish it. Called by our own pages only: anti-forgery checked.
/// </summary>
internal static class PasskeyEndpoints
{
    public static IEndpointRouteBuilder MapPasskeyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/signin/passkey").WithTags("Sign-in").AddEndpointFilter(ValidateAntiforgeryAsync);
        // Anyone may start and finish a sign-in ceremony; rate-limited per client address.
        group.MapPost("/options", BeginSignInAsync).AllowAnonymous().RequireRateLimiting(SignInSetup.RateLimitPolicy);
        group.MapPost("/complete", CompleteSignInAsync).AllowAnonymous().RequireRateLimiting(SignInSetup.RateLimitPolicy);
        // Creating a passkey needs an IdP session (a password sign-in, or a passkey one).
        group.MapPost("/register/options", BeginRegistrationAsync).RequireAuthorization();
        group.MapPost("/register/complete", CompleteRegistrationAsync).RequireAuthorization();
        return endpoints;
    }

    public sealed record SignInOptionsRequest(string? Email);

    public sealed record CeremonyResponse(Guid CeremonyId, JsonNode Options);

    public sealed record CompleteRequest(Guid CeremonyId, JsonNode Credential, string? ReturnUrl);

    private static async Task<IResult> BeginSignInAsync(
        SignInOptionsRequest body, PortalDbContext db, PasskeyService passkeys, ILookupNormalizer normalizer,
        SignInThrottle throttle, DecoyCredentials decoys, HttpContext http)
    {
        User? user = null;
        string? normalized = null;
        if (!string.IsNullOrWhiteSpace(body.Email))
        {
            if (!EmailAddress.TryParse(body.Email, out var email))
            {
                return Failure(SignInMessages.GenericFailure);
            }

            normalized = normalizer.NormalizeEmail(email);
            if (!throttle.TryAcquire(normalized, ClientAddress.ThrottleKey(http)))
            {
                return Failure(SignInMessages.TooManyAttempts, StatusCodes.Status429TooManyRequests);
            }

            user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, http.RequestAborted);
        }

        var hasPasskeys = user is not null && await db.PasskeyCredentials.AnyAsync(p => p.UserId == user.Id, http.RequestAborted);
        // No account (or none with a passkey): answer exactly as for one, with stable made-up
        // credentials, so the response does not tell whether the address has an account.
        var decoyList = normalized is not null && !hasPasskeys ? await decoys.ForAsync(db, normalized, http.RequestAborted) : null;
        var start = await passkeys.BeginAssertionAsync(hasPasskeys ? user : null, decoyList, http.RequestAborted);
        return Results.Ok(new CeremonyResponse(start.CeremonyId, JsonNode.Parse(start.OptionsJson)!));
    }

    private static async Task<IResult> CompleteSignInAsync(
        CompleteRequest body, PasskeyService passkeys, SessionService sessions, AuditTrail audit, PortalDbContext db, HttpContext http)
    {
        var actor = new AuditActor(null, "anonymous", ClientAddress.Of(http));
        try
        {
            var signIn = await passkeys.CompleteAssertionAsync(actor, body.CeremonyId, body.Credential.ToJsonString(), http.RequestAborted);
            if (!signIn.User.State.MayHoldSession())
            {
                await RecordFailureAsync(audit, db, actor, signIn.User.Id, $"state {signIn.User.State}", http);
                return Failure(SignInMessages.GenericFailure);
            }

            await sessions.StartAsync(http, signIn.User, [AuthenticationMethods.Passkey, AuthenticationMethods.MultiFactor], signIn.Credential.Id);
            return Results.Ok(new { redirect = ReturnUrls.Safe(body.ReturnUrl) });
        }
        catch (DomainException refused)
        {
            await RecordFailureAsync(audit, db, actor, null, refused.Error.Code, http);
            return Failure(SignInMessages.GenericFailure);
        }
    }

    /// <summary>Options to register a passkey for the signed-in user (recent sign-in, no SSO organization).</summary>
    internal static async Task<IResult> BeginRegistrationAsync(PortalDbContext db, PasskeyService passkeys, RecentAuthentication recent, HttpContext http)
    {
        var user = await CurrentUserAsync(db, http);
        if (await AccountRules.RefusalAsync(db, user, http.User, recent, http.RequestAborted) is { } refusal)
        {
            return refusal;
        }

        var start = await passkeys.BeginRegistrationAsync(user, http.RequestAborted);
        return Results.Ok(new CeremonyResponse(start.CeremonyId, JsonNode.Parse(start.OptionsJson)!));
    }

    private static Task<IResult> CompleteRegistrationAsync(
        CompleteRequest body, PortalDbContext db, PasskeyService passkeys, SessionService sessions, RecentAuthentication recent, HttpContext http) =>
        RegisterAsync(body, db, passkeys, recent, http, (_, credential) => ProveNewKeyAsync(sessions, http, credential, body.ReturnUrl));

    /// <summary>
    /// Completes the signed-in user's registration ceremony under the same rules as its start, then
    /// answers with <paramref name="next"/>. Policy refusals say why (synced passkey, not a YubiKey,
    /// firmware too old).
    /// </summary>
    internal static async Task<IResult> RegisterAsync(
        CompleteRequest body, PortalDbContext db, PasskeyService passkeys, RecentAuthentication recent, HttpContext http,
        Func<User, PasskeyCredential, Task<IResult>> next)
    {
        var user = await CurrentUserAsync(db, http);
        if (await AccountRules.RefusalAsync(db, user, http.User, recent, http.RequestAborted) is { } refusal)
        {
            return refusal;
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
            return Failure(refused.Error.Message);
        }
    }

    /// <summary>The user proves the new key works by signing in with it before relying on it: this session ends.</summary>
    internal static async Task<IResult> ProveNewKeyAsync(SessionService sessions, HttpContext http, PasskeyCredential credential, string? returnUrl)
    {
        await sessions.EndAsync(http, "passkey created");
        var next = Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/signin/passkey-created", new Dictionary<string, string?>
        {
            // The stored name, protected: the page never shows words from the address bar.
            ["key"] = Pages.SignIn.PasskeyCreatedModel.Protector(http.RequestServices).Protect(credential.Name, TimeSpan.FromMinutes(30)),
            ["ReturnUrl"] = ReturnUrls.Safe(returnUrl),
        });
        return Results.Ok(new { redirect = next });
    }

    private static async Task<User> CurrentUserAsync(PortalDbContext db, HttpContext http)
    {
        var userId = Guid.Parse(http.User.FindFirstValue(KeyPortalClaims.Subject)!);
        // Untracked: the passkey service locks and reloads the account in its own transaction.
        return await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, http.RequestAborted);
    }

    private static async Task RecordFailureAsync(AuditTrail audit, PortalDbContext db, AuditActor actor, Guid? userId, string reason, HttpContext http)
    {
        audit.Record(actor, AuditActions.SignInFailed, null, userId, new { method = "passkey", reason });
        await db.SaveChangesAsync(http.RequestAborted);
    }

    private static IResult Failure(string message, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new { error = message }, statusCode: status);

    internal static async ValueTask<object?> ValidateAntiforgeryAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var antiforgery = context.HttpContext.RequestServices.GetRequiredService<IAntiforgery>();
        if (!await antiforgery.IsRequestValidAsync(context.HttpContext))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form expired. Reload the page and try again.");
        }

        return await next(context);
    }
}
