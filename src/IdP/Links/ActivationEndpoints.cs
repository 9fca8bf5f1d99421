using System.Security.Claims;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;
using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.IdP.Sessions;
using KeyPortal.IdP.Passkeys;
using KeyPortal.IdP.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Links;

/// <summary>
/// The passkey ceremony of an activation link, after its one-time code was confirmed in this
/// browser (<see cref="LinkConfirmation"/>): the link, the confirmed code and that browser are the proof. Called by our
/// own page only, so anti-forgery is checked; rate-limited per address.
/// </summary>
internal static class ActivationEndpoints
{
    public static IEndpointRouteBuilder MapActivationEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/activate/{token}/passkey").WithTags("Activation")
            .AllowAnonymous()
            .RequireRateLimiting(LinkSetup.RateLimitPolicy)
            .AddEndpointFilter(ValidateAntiforgery.FilterAsync);
        group.MapPost("/options", BeginAsync);
        group.MapPost("/complete", CompleteAsync);
        return endpoints;
    }

    private static async Task<IResult> BeginAsync(
        string token, InvitationService invitations, LinkThrottle links, PasskeyService passkeys, PortalDbContext db, HttpContext http)
    {
        var (ticket, refusal) = await AuthorizeAsync(token, "passkey options", invitations, links, http);
        if (ticket is null)
        {
            return refusal!;
        }

        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == ticket.UserId, http.RequestAborted);
        var start = await passkeys.BeginRegistrationAsync(user, http.RequestAborted);
        return Results.Ok(CeremonyResponse.From(start));
    }

    private static async Task<IResult> CompleteAsync(
        string token, CompleteCeremonyRequest body, InvitationService invitations, LinkThrottle links, PasskeyService passkeys,
        SessionService sessions, PortalDbContext db, IOptions<PublicUrlOptions> urls, HttpContext http)
    {
        var (ticket, refusal) = await AuthorizeAsync(token, "passkey complete", invitations, links, http);
        if (ticket is null)
        {
            return refusal!;
        }

        var address = ClientAddress.Of(http);
        var actor = new AuditActor(ticket.UserId, ticket.Email, address);
        try
        {
            // Registering makes the account Active (and removes any password) and uses the link up,
            // in one transaction under the link's lock.
            var credential = await invitations.ActivateAsync(token, LinkConfirmation.ConfirmedFor(http), address, (locked, ct) =>
                passkeys.CompleteRegistrationAsync(actor, body.CeremonyId, locked.UserId, body.Credential.ToJsonString(), ct), http.RequestAborted);
            var user = await db.Users.FindAsync([ticket.UserId], http.RequestAborted)
                ?? throw new InvalidOperationException("The activated account is gone.");
            await sessions.StartAsync(http, user, [AuthenticationMethods.Passkey, AuthenticationMethods.MultiFactor], credential.Id);
            LinkConfirmation.Forget(http);
            return Results.Ok(new { redirect = urls.Value.Portal.AbsoluteUri });
        }
        catch (DomainException refused)
        {
            // Policy refusals say why (synced passkey, not a YubiKey, firmware too old).
            await invitations.RecordRefusalAsync(token, refused.Error.Code, "passkey complete", address, null, http.RequestAborted);
            return Results.Json(new { error = refused.Error.Message }, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>The link must be live, its code confirmed, and followed by nobody else's session.</summary>
    private static async Task<(ActivationTicket? Ticket, IResult? Refusal)> AuthorizeAsync(
        string token, string step, InvitationService invitations, LinkThrottle links, HttpContext http)
    {
        var address = ClientAddress.Of(http);
        if (!await links.TryAcquireAsync(token, http.RequestAborted))
        {
            return (null, Results.Json(new { error = "Too many requests for this link. Wait a minute, then try again." }, statusCode: StatusCodes.Status429TooManyRequests));
        }

        var signedIn = Guid.TryParse(http.User.FindFirstValue(KeyPortalClaims.Subject), out var id) ? id : (Guid?)null;
        try
        {
            var ticket = await invitations.AuthorizeActivationAsync(token, LinkConfirmation.ConfirmedFor(http), http.RequestAborted);
            if (signedIn is { } other && other != ticket.UserId)
            {
                await invitations.RecordRefusalAsync(token, "followed by another account's session", step, address, other, http.RequestAborted);
                return (null, Results.Json(new { error = "You are signed in as someone else. Sign out first." }, statusCode: StatusCodes.Status403Forbidden));
            }

            return (ticket, null);
        }
        catch (DomainException refused)
        {
            if (!await links.TryRecordRefusalAsync(ClientAddress.ThrottleKey(http), http.RequestAborted))
            {
                return (null, Results.Json(new { error = refused.Error.Message }, statusCode: StatusCodes.Status429TooManyRequests));
            }

            await invitations.RecordRefusalAsync(token, refused.Error.Code, step, address, signedIn, http.RequestAborted);
            return (null, Results.Json(new { error = refused.Error.Message }, statusCode: DomainExceptionHandler.StatusCodeOf(refused.Error)));
        }
    }
}
