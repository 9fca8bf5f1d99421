using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Passkeys;
using KeyPortal.IdP.Sessions;
using KeyPortal.IdP.Shared;
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
        var group = endpoints.MapGroup("/signin/passkey").WithTags("Sign-in").AddEndpointFilter(ValidateAntiforgery.FilterAsync);
        // Anyone may start and finish a sign-in ceremony; rate-limited per client address.
        group.MapPost("/options", BeginSignInAsync).AllowAnonymous().RequireRateLimiting(SignInSetup.RateLimitPolicy);
        group.MapPost("/complete", CompleteSignInAsync).AllowAnonymous().RequireRateLimiting(SignInSetup.RateLimitPolicy);
        // Creating a passkey needs an IdP session (a password sign-in, or a passkey one).
        group.MapPost("/register/options", PasskeyRegistration.BeginAsync).RequireAuthorization();
        group.MapPost("/register/complete", CompleteRegistrationAsync).RequireAuthorization();
        return endpoints;
    }

    public sealed record SignInOptionsRequest(string? Email);

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
            if (!await throttle.TryAcquireAsync(normalized, ClientAddress.ThrottleKey(http), http.RequestAborted))
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
        return Results.Ok(CeremonyResponse.From(start));
    }

    private static async Task<IResult> CompleteSignInAsync(
        CompleteCeremonyRequest body, PasskeyService passkeys, SessionService sessions, AuditTrail audit, PortalDbContext db, HttpContext http)
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

    private static Task<IResult> CompleteRegistrationAsync(
        CompleteCeremonyRequest body, PortalDbContext db, PasskeyService passkeys, SessionService sessions, RecentAuthentication recent, HttpContext http) =>
        PasskeyRegistration.CompleteAsync(body, db, passkeys, recent, http, (_, credential) => PasskeyRegistration.ProveNewKeyAsync(sessions, http, credential, body.ReturnUrl));

    private static async Task RecordFailureAsync(AuditTrail audit, PortalDbContext db, AuditActor actor, Guid? userId, string reason, HttpContext http)
    {
        audit.Record(actor, AuditActions.SignInFailed, null, userId, new { method = "passkey", reason });
        await db.SaveChangesAsync(http.RequestAborted);
    }

    private static IResult Failure(string message, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new { error = message }, statusCode: status);
}
