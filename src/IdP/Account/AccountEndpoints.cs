using System.Security.Claims;
using System.Text.Json.Nodes;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Sessions;
using KeyPortal.IdP.SignIn;
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
            .AddEndpointFilter(PasskeyEndpoints.ValidateAntiforgeryAsync);
        group.MapPost("/passkeys/options", PasskeyEndpoints.BeginRegistrationAsync);
        group.MapPost("/passkeys/complete", CompleteAddAsync);
        group.MapPost("/identify/options", BeginAssertionAsync);
        group.MapPost("/identify/complete", IdentifyAsync);
        group.MapPost("/reverify/options", BeginAssertionAsync);
        group.MapPost("/reverify/complete", ReverifyAsync);
        return endpoints;
    }

    /// <summary>A passkey user keeps this session; a password user loses the password with it and proves the new key.</summary>
    private static Task<IResult> CompleteAddAsync(
        PasskeyEndpoints.CompleteRequest body, PortalDbContext db, PasskeyService passkeys, SessionService sessions, RecentAuthentication recent, HttpContext http) =>
        PasskeyEndpoints.RegisterAsync(body, db, passkeys, recent, http, (user, credential) => user.HasPassword
            ? PasskeyEndpoints.ProveNewKeyAsync(sessions, http, credential, "/account")
            : Task.FromResult(Results.Ok(new { redirect = $"/account?done=added&highlight={credential.Id}" })));

    private static async Task<IResult> BeginAssertionAsync(PortalDbContext db, PasskeyService passkeys, HttpContext http)
    {
        var user = await CurrentUserAsync(db, http);
        if (!await db.PasskeyCredentials.AnyAsync(p => p.UserId == user.Id, http.RequestAborted))
        {
            return Results.Json(new { error = "You have no passkey yet." }, statusCode: StatusCodes.Status400BadRequest);
        }

        var start = await passkeys.BeginAssertionAsync(user, http.RequestAborted);
        return Results.Ok(new PasskeyEndpoints.CeremonyResponse(start.CeremonyId, JsonNode.Parse(start.OptionsJson)!));
    }

    /// <summary>Which of the user's passkeys answered; not a sign-in, nothing about the session changes.</summary>
    private static async Task<IResult> IdentifyAsync(PasskeyEndpoints.CompleteRequest body, PortalDbContext db, PasskeyService passkeys, AuditTrail audit, HttpContext http)
    {
        var user = await CurrentUserAsync(db, http);
        var answered = await VerifyOwnAsync(body, user, passkeys, audit, db, http);
        return answered is null
            ? Results.Json(new { error = "That key holds none of your passkeys." }, statusCode: StatusCodes.Status400BadRequest)
            : Results.Ok(new { passkeyId = answered.Credential.Id, name = answered.Credential.Name });
    }

    /// <summary>Confirms the user again with one of their passkeys and renews the session's authentication time.</summary>
    private static async Task<IResult> ReverifyAsync(
        PasskeyEndpoints.CompleteRequest body, PortalDbContext db, PasskeyService passkeys, AuditTrail audit, RecentAuthentication recent, HttpContext http)
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
        PasskeyEndpoints.CompleteRequest body, User user, PasskeyService passkeys, AuditTrail audit, PortalDbContext db, HttpContext http)
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

/// <summary>Who may change credentials on the account page, and when.</summary>
internal static class AccountRules
{
    /// <summary>Members of an organization with single sign-on: their organization's IdP manages their credentials.</summary>
    public static Task<bool> IsManagedBySsoAsync(PortalDbContext db, Guid userId, CancellationToken cancellationToken) =>
        db.Memberships.AnyAsync(m => m.UserId == userId && m.Organization.Sso.Enabled, cancellationToken);

    public static async Task<IResult?> RefusalAsync(PortalDbContext db, User user, ClaimsPrincipal principal, RecentAuthentication recent, CancellationToken cancellationToken)
    {
        if (await IsManagedBySsoAsync(db, user.Id, cancellationToken))
        {
            return Results.Json(new { error = "Your organization's identity provider manages how you sign in." }, statusCode: StatusCodes.Status403Forbidden);
        }

        // A platform operator's passkey is the console's key: a password (phished, say) must not
        // be enough to enrol one. Operators add keys from a passkey sign-in, or through the
        // set-up link emailed to them (an operator reset, or "KeyPortal.Admin operator-link").
        if (user.IsPlatformOperator && !principal.FindAll(KeyPortalClaims.AuthenticationMethod).Any(c => c.Value == AuthenticationMethods.Passkey))
        {
            return Results.Json(
                new { error = "Operators add security keys only after signing in with one, or through the set-up link emailed to them. Ask another operator to reset your account." },
                statusCode: StatusCodes.Status403Forbidden);
        }

        // A stale session must not register a key: people with a passkey confirm with it, a
        // password-only person signs in again (registering would delete their password).
        if (!recent.IsRecent(principal))
        {
            var hasPasskey = await db.PasskeyCredentials.AnyAsync(p => p.UserId == user.Id, cancellationToken);
            return Results.Json(
                new { error = hasPasskey ? "Confirm it's you first." : "Your sign-in is too old for this. Sign in again with your password, then create the passkey.", reverify = hasPasskey },
                statusCode: StatusCodes.Status403Forbidden);
        }

        return null;
    }
}
