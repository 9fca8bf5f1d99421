using KeyPortal.Core;
using KeyPortal.Core.Authorization;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.IdP.Sessions;
using KeyPortal.IdP.Shared;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Federation;

/// <summary>
/// The service-provider side of each organization's single sign-on, under <c>/sso/{slug}</c>:
/// the login link members use (anyone may call it), the connection test (an Owner of the
/// organization, in a session made with their own passkey), and where sign-in ends. The
/// protocols' own endpoints (SAML metadata and ACS, the OpenID Connect callback) sit with their
/// handlers.
/// </summary>
internal static class SsoEndpoints
{
    public static IEndpointRouteBuilder MapSsoEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/sso").WithTags("Single sign-on");
        group.MapGet("/{slug}", SignInAsync).AllowAnonymous().RequireRateLimiting(SignIn.SignInSetup.FederatedSignInPolicy)
            .WithSummary("The organization's login link: sends the browser to its identity provider.");
        group.MapGet("/{slug}/test", TestAsync).AllowAnonymous().RequireRateLimiting(SignIn.SignInSetup.FederatedSignInPolicy)
            .WithSummary("Runs a sign-in through the organization's identity provider and shows what came back; signs nobody in. Owners only, with a passkey session.");
        group.MapGet("/signed-in", (IOptions<PublicUrlOptions> urls) => Results.Redirect(urls.Value.Portal.AbsoluteUri)).AllowAnonymous()
            .WithSummary("After a sign-in that named no app to continue at: the Portal.");
        return endpoints;
    }

    private static async Task<IResult> SignInAsync(string slug, string? returnUrl, HttpContext http, PortalDbContext db, IEnumerable<ISsoProtocolHandler> handlers)
    {
        var (organization, connection) = await FindAsync(db, slug, http.RequestAborted);
        if (organization is not { Sso.Enabled: true } || connection is not { IsComplete: true })
        {
            // Same page as any failed sign-in: an unknown slug and a switched-off one look alike.
            return Results.Redirect(FederatedSignIn.FailedPath);
        }

        var back = ReturnUrls.Safe(returnUrl);
        return await Handler(handlers, connection).ChallengeAsync(http, organization, connection, new SsoSignInStart(back == "/" ? null : back));
    }

    private static async Task<IResult> TestAsync(string slug, HttpContext http, PortalDbContext db, CurrentMember member, IEnumerable<ISsoProtocolHandler> handlers)
    {
        var session = await http.AuthenticateAsync(SessionCookie.Scheme);
        if (session.Principal is not { } principal || !Guid.TryParse(principal.FindFirst(KeyPortalClaims.SessionId)?.Value, out var sessionId))
        {
            return Results.Redirect($"/signin?ReturnUrl={Uri.EscapeDataString($"/sso/{slug}/test")}");
        }

        var (organization, connection) = await FindAsync(db, slug, http.RequestAborted);
        var row = await db.UserSessions.AsNoTracking().Where(s => s.Id == sessionId)
            .Select(s => new { s.AuthenticationMethods, s.FederatedOrganizationId }).SingleOrDefaultAsync(http.RequestAborted);
        await member.LoadAsync(principal, http.RequestAborted);
        if (organization is null || row is null || !member.Allows(organization.Id, Permission.ConfigureSso))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only an Owner of the organization can test its single sign-on.");
        }

        if (!SsoManagement.IsPasskeySession(row.AuthenticationMethods, row.FederatedOrganizationId))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden,
                title: "Sign in with your own passkey to test single sign-on.",
                detail: "Single sign-on is managed from a session made with your passkey, not through single sign-on, so a broken set-up cannot lock you out.");
        }

        if (connection is not { IsComplete: true })
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Connect an identity provider first.");
        }

        return await Handler(handlers, connection).ChallengeAsync(http, organization, connection, new SsoSignInStart(null, IsTest: true, TestedBySessionId: sessionId));
    }

    private static ISsoProtocolHandler Handler(IEnumerable<ISsoProtocolHandler> handlers, SsoConnection connection) =>
        handlers.Single(h => h.Protocol == connection.Protocol);

    internal static async Task<(Organization? Organization, SsoConnection? Connection)> FindAsync(PortalDbContext db, string slug, CancellationToken cancellationToken)
    {
        if (slug.Length > 63)
        {
            return (null, null);
        }

        var organization = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Slug == slug, cancellationToken);
        var connection = organization is null ? null
            : await db.Set<SsoConnection>().AsNoTracking().SingleOrDefaultAsync(c => c.OrganizationId == organization.Id, cancellationToken);
        return (organization, connection);
    }
}
