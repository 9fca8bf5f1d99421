using System.Security.Claims;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Sessions;
using KeyPortal.IdP.Passkeys;
using KeyPortal.IdP.Shared;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Account;

/// <summary>
/// The passkey ceremonies of the account page: add a passkey, identify which listed passkey a key
/// holds, and confirm it is you before a change. Signed-in users only, for their own passkeys;
/// anti-forgery checked.
/// </summary>
internal static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/account").WithTags("Account").RequireAuthorization()
            .AddEndpointFilter(ValidateAntiforgery.FilterAsync);
        group.MapPost("/passkeys/options", PasskeyRegistration.BeginAsync);
        group.MapPost("/passkeys/complete", CompleteAddAsync);
        group.MapPost("/identify/options", BeginAssertionAsync);
        group.MapPost("/identify/complete", IdentifyAsync);
        group.MapPost("/reverify/options", BeginAssertionAsync);
        group.MapPost("/reverify/complete", ReverifyAsync);
        return endpoints;
    }

    /// <summary>A passkey user keeps this session; a password user loses the password with it and proves the new key.</summary>
    private static Task<IResult> CompleteAddAsync(
        CompleteCeremonyRequest body, PortalDbContext db, PasskeyService passkeys, SessionService sessions, RecentAuthentication recent, HttpContext http) =>
        PasskeyRegistration.CompleteAsync(body, db, passkeys, recent, http, (user, credential) => user.HasPassword
            ? PasskeyRegistration.ProveNewKeyAsync(sessions, http, credential, "/account")
            : Task.FromResult(Results.Ok(new { redirect = $"/account?done=added&highlight={credential.Id}" })));

    private static async Task<IResult> BeginAssertionAsync(PortalDbContext db, PasskeyService passkeys, HttpContext http)
    {
        var user = await CurrentUserAsync(db, http);
        if (!await db.PasskeyCredentials.AnyAsync(p => p.UserId == user.Id, http.RequestAborted))
        {
            return Results.Json(new { error = "You have no passkey yet." }, statusCode: StatusCodes.Status400BadRequest);
        }

        var start = await passkeys.BeginAssertionAsync(user, http.RequestAborted);
        return Results.Ok(CeremonyResponse.From(start));
    }

    /// <summary>Which of the user's passkeys answered; not a sign-in, nothing about the session changes.</summary>
    private static async Task<IResult> IdentifyAsync(CompleteCeremonyRequest body, PortalDbContext db, PasskeyService passkeys, AuditTrail audit, HttpContext http)
    {
        var user = await CurrentUserAsync(db, http);
        var answered = await VerifyOwnAsync(body, user, passkeys, audit, db, http);
        return answered is null
            ? Results.Json(new { error = "That key holds none of your passkeys." }, statusCode: StatusCodes.Status400BadRequest)
            : Results.Ok(new { passkeyId = answered.Credential.Id, name = answered.Credential.Name });
    }

    /// <summary>Confirms the user again with one of their passkeys and renews the session's authentication time.</summary>
    private static async Task<IResult> ReverifyAsync(
        CompleteCeremonyRequest body, PortalDbContext db, PasskeyService passkeys, AuditTrail audit, RecentAuthentication recent, HttpContext http)
    {
        var user = await CurrentUserAsync(db, http);
        if (await VerifyOwnAsync(body, user, passkeys, audit, db, http) is null)
        {
            return Results.Json(new { error = "That key holds none of your passkeys." }, statusCode: StatusCodes.Status400BadRequest);
        }

        await recent.RenewAsync(http);
        return Results.Ok(new { redirect = ReturnUrls.Safe(body.ReturnUrl ?? "/account") });
    }

    private static async Task<PasskeySignIn?> VerifyOwnAsync(
        CompleteCeremonyRequest body, User user, PasskeyService passkeys, AuditTrail audit, PortalDbContext db, HttpContext http)
    {
        var actor = AuditActor.ForUser(user, ClientAddress.Of(http));
        try
        {
            var answered = await passkeys.CompleteAssertionAsync(actor, body.CeremonyId, body.Credential.ToJsonString(), http.RequestAborted);
            return answered.User.Id == user.Id ? answered : null;
        }
        catch (DomainException refused)
        {
            // A forged or replayed ceremony, or another user's credential: recorded as an attack would be.
            audit.Record(actor, AuditActions.SignInFailed, null, user.Id, new { method = "passkey", purpose = "account", reason = refused.Error.Code });
            await db.SaveChangesAsync(http.RequestAborted);
            return null;
        }
    }

    private static Task<User> CurrentUserAsync(PortalDbContext db, HttpContext http)
    {
        var userId = Guid.Parse(http.User.FindFirstValue(KeyPortalClaims.Subject)!);
        return db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, http.RequestAborted);
    }
}
