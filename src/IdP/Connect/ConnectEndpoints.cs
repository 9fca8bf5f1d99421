using KeyPortal.Core.Sessions;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.Hosting;
using KeyPortal.IdP.Sessions;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace KeyPortal.IdP.Connect;

/// <summary>
/// OpenIddict's passthrough endpoints. OpenIddict has already validated each request (client,
/// redirect URI, PKCE, scopes) before these run; they decide who the user is and what the tokens say.
/// </summary>
internal static class ConnectEndpoints
{
    /// <summary>Private claim carrying the security stamp inside codes and refresh tokens (never in issued tokens).</summary>
    private const string StampClaim = "ks:stamp";

    /// <summary>OpenID Connect Front-Channel/Back-Channel Logout <c>sid</c>: the IdP session.</summary>

    public static IEndpointRouteBuilder MapConnectEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var connect = endpoints.MapGroup("/connect").AllowAnonymous().DisableAntiforgery().WithTags("OpenID Connect");
        connect.MapMethods("/authorize", ["GET", "POST"], AuthorizeAsync).WithName("Authorize");
        connect.MapPost("/token", TokenAsync).WithName("Token");
        connect.MapMethods("/userinfo", ["GET", "POST"], UserInfoAsync).WithName("UserInfo");
        connect.MapMethods("/endsession", ["GET", "POST"], EndSessionAsync).WithName("EndSession");
        return endpoints;
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http, PortalDbContext db, SessionService sessions, TimeProvider clock)
    {
        if (ProtocolError(http) is { } error)
        {
            return error;
        }

        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("No OpenID Connect request.");
        var session = await http.AuthenticateAsync(SessionCookie.Scheme);
        // OIDC Core §3.1.2.1 (with errata): max_age=0 is prompt=login, even within the same second.
        var maxAgeExceeded = request.MaxAge is { } maxAge && session.Principal is { } p
            && (maxAge == 0 || !long.TryParse(p.FindFirstValue(KeyPortalClaims.AuthenticationTime), out var authTime)
                || clock.GetUtcNow().ToUnixTimeSeconds() - authTime > maxAge);
        if (!session.Succeeded || request.HasPromptValue(PromptValues.Login) || maxAgeExceeded)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The user is not signed in.");
            }

            // Back to this request once signed in, without prompt=login (else a loop).
            var parameters = http.Request.HasFormContentType ? http.Request.Form.ToList() : http.Request.Query.ToList();
            parameters.RemoveAll(parameter => parameter.Key is Parameters.Prompt or Parameters.MaxAge);
            if (session.Succeeded)
            {
                // Set aside, not ended: a forged link must not sign anybody out of every app.
                await sessions.SetAsideAsync(http);
            }

            var returnUrl = http.Request.PathBase + http.Request.Path + QueryString.Create(parameters);
            return Results.Redirect($"/signin?ReturnUrl={Uri.EscapeDataString(returnUrl)}");
        }

        var principal = session.Principal!;
        if (principal.HasClaim(KeyPortalClaims.PasskeyRequired, "true"))
        {
            // Password after the cut-off: good for creating a passkey, not for signing in to apps.
            var returnUrl = http.Request.PathBase + http.Request.Path + http.Request.QueryString;
            return Results.Redirect($"/signin/create-passkey?ReturnUrl={Uri.EscapeDataString(returnUrl)}");
        }

        var userId = Guid.Parse(principal.FindFirstValue(KeyPortalClaims.Subject)!);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, http.RequestAborted);
        var identity = CreateIdentity(user, principal.FindAll(KeyPortalClaims.AuthenticationMethod).Select(c => c.Value),
            principal.FindFirstValue(KeyPortalClaims.SessionId)!, principal.FindFirstValue(KeyPortalClaims.AuthenticationTime));
        var scopes = GrantedScopes(user, request.GetScopes());
        identity.SetScopes(scopes);
        identity.SetResources(Audiences(http, scopes));
        identity.SetDestinations(Destinations);
        return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>
    /// The scopes a person's tokens get of those requested: the operator scope only while the
    /// account is a platform operator's, asked again at each refresh (a demoted operator's next
    /// tokens lack it). Not an error when asked by anybody else: the token is made without it.
    /// </summary>
    private static string[] GrantedScopes(User user, IEnumerable<string> requested) =>
        [.. requested.Where(scope => scope != ServerSetup.OperatorScope || (user.IsPlatformOperator && user.State == UserState.Active))];

    private static async Task<IResult> TokenAsync(HttpContext http, PortalDbContext db, TimeProvider clock, IOptions<IdentityProviderOptions> options)
    {
        if (http.GetOpenIddictServerResponse() is { Error: { Length: > 0 } error } response)
        {
            return TokenError(http, error, response.ErrorDescription);
        }

        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("No OpenID Connect request.");
        if (request.IsClientCredentialsGrantType() && ApiTokenClientCredentials.IsApiTokenClient(request.ClientId))
        {
            // OpenIddict has authenticated the client with the whole token as its secret and
            // checked its permissions; who the token acts for is read live now. The one scope is
            // delivery: scopes OpenIddict grants any client (openid) are refused too.
            if (request.GetScopes().Any(scope => scope != ServerSetup.DeliveryScope))
            {
                return TokenError(http, Errors.InvalidScope, "An API token's access tokens have the delivery scope only.");
            }

            var apiTokens = http.RequestServices.GetRequiredService<ApiTokenClientCredentials>();
            if (await apiTokens.FindCallerAsync(request.ClientId!, http.RequestAborted) is not { } caller)
            {
                // Revoked between the secret check and now: the answer of any refused token.
                return TokenError(http, Errors.InvalidClient, InvalidClientCredentials);
            }

            var identity = ApiTokenClientCredentials.CreateIdentity(caller, options.Value.ApiTokenAccessTokenLifetime);
            return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsClientCredentialsGrantType())
        {
            // RFC 9068 §2.2: for a client acting on its own behalf, sub is the client id.
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId!);
            // No token entry (ApiTokenClientCredentials.WithoutTokenEntry): the apps check the client's secret version instead.
            var applications = http.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
            var application = await applications.FindByClientIdAsync(request.ClientId!, http.RequestAborted) as OpenIddictEntityFrameworkCoreApplication
                ?? throw new InvalidOperationException("The authenticated client is not registered.");
            identity.SetClaim(KeyPortalClaims.ClientSecretVersion, ClientTokens.SecretVersionOf(application));
            // OpenIddict has checked that the client is permitted every scope it asked for.
            identity.SetScopes(request.GetScopes());
            identity.SetResources(Audiences(http, request.GetScopes()));
            identity.SetDestinations(_ => [OpenIddictConstants.Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            // OpenIddict has checked the code or refresh token (signature, expiry, not redeemed or
            // revoked); we check that the account and its session may still have tokens.
            var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var stored = result.Principal;
            if (stored is null || !Guid.TryParse(stored.GetClaim(Claims.Subject), out var userId))
            {
                return Forbid(Errors.InvalidGrant, "The grant is no longer valid.");
            }

            var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, http.RequestAborted);
            var sessionId = Guid.TryParse(stored.GetClaim(KeyPortalClaims.SessionId), out var sid) ? sid : Guid.Empty;
            var session = await db.UserSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId, http.RequestAborted);
            var now = clock.GetUtcNow();
            // The session's own rule: ended, or past its absolute lifetime, means no more tokens.
            if (user is null || !user.State.MayHoldSession() || session is null || session.UserId != user.Id
                || !session.IsActiveAt(now)
                || !string.Equals(user.SecurityStamp, stored.GetClaim(StampClaim), StringComparison.Ordinal))
            {
                return Forbid(Errors.InvalidGrant, "The grant is no longer valid.");
            }

            var identity = CreateIdentity(user, stored.GetClaims(Claims.AuthenticationMethodReference), sessionId.ToString(), stored.GetClaim(Claims.AuthenticationTime));
            // A refresh token never outlives the session it came from (12 hours at most).
            identity.SetRefreshTokenLifetime(session.AbsoluteExpiresAt - now);
            var scopes = GrantedScopes(user, stored.GetScopes());
            identity.SetScopes(scopes);
            identity.SetResources(Audiences(http, scopes));
            identity.SetDestinations(Destinations);
            return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Forbid(Errors.UnsupportedGrantType, "The grant type is not supported.");
    }

    private static async Task<IResult> UserInfoAsync(HttpContext http, PortalDbContext db)
    {
        var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal is not { } principal || !Guid.TryParse(principal.GetClaim(Claims.Subject), out var userId))
        {
            return Challenge(Errors.InvalidToken, "The access token is not valid.");
        }

        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, http.RequestAborted);
        if (user is null || !user.State.MayHoldSession())
        {
            return Challenge(Errors.InvalidToken, "The access token is not valid.");
        }

        var claims = new Dictionary<string, object?> { [Claims.Subject] = user.Id.ToString() };
        if (principal.HasScope(Scopes.Email))
        {
            claims[Claims.Email] = user.Email;
            claims[Claims.EmailVerified] = user.EmailConfirmed;
        }

        if (principal.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = user.Email;
        }

        return Results.Json(claims);
    }

    private static async Task<IResult> EndSessionAsync(HttpContext http, SessionService sessions)
    {
        if (ProtocolError(http) is { } error)
        {
            return error;
        }

        // Logout CSRF: a bare link to this endpoint must not end anybody's session. Only an
        // id_token_hint naming this very session ends it at once (RP-initiated logout); anything
        // else asks the person first, then comes back here with no session left to end.
        var session = await http.AuthenticateAsync(SessionCookie.Scheme);
        if (session.Principal?.FindFirstValue(KeyPortalClaims.SessionId) is { } currentSession)
        {
            var hint = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            if (!string.Equals(hint.Principal?.GetClaim(KeyPortalClaims.SessionId), currentSession, StringComparison.Ordinal))
            {
                var again = http.Request.PathBase + http.Request.Path + QueryString.Create(
                    http.Request.HasFormContentType ? http.Request.Form.ToList() : http.Request.Query.ToList());
                return Results.Redirect($"/signout?ReturnUrl={Uri.EscapeDataString(again)}");
            }

            await sessions.EndAsync(http, "signed out");
        }

        // OpenIddict redirects to the validated post_logout_redirect_uri, or to our signed-out page.
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/signout/done" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    /// <summary>OpenIddict's description of a failed client authentication (ID2055), for the one refusal written here.</summary>
    private const string InvalidClientCredentials = "The specified client credentials are invalid.";

    /// <summary>
    /// RFC 6749 §5.2 error response: 401 for a client that failed to authenticate (with a Basic
    /// challenge when it tried HTTP Basic), else 400. The body is the error and its description
    /// only, the same whatever was wrong with the credentials.
    /// </summary>
    private static IResult TokenError(HttpContext http, string error, string? description)
    {
        if (error != Errors.InvalidClient)
        {
            return Results.Json(new Dictionary<string, string?> { ["error"] = error, ["error_description"] = description }, statusCode: StatusCodes.Status400BadRequest);
        }

        if (http.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"KeyPortal\"";
        }

        return Results.Json(new Dictionary<string, string?> { ["error"] = error, ["error_description"] = description }, statusCode: StatusCodes.Status401Unauthorized);
    }

    /// <summary>
    /// RFC 9068 <c>aud</c>: the portal API only when the <c>api</c> or <c>operator</c> scope was
    /// granted (a <c>resource</c> parameter alone does not make a token for it); any other access
    /// token is for the IdP's own userinfo endpoint, so its audience is the issuer.
    /// </summary>
    private static string[] Audiences(HttpContext http, IEnumerable<string> scopes) =>
        [ServerSetup.AudienceOf(scopes, http.RequestServices.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.Issuer!)];

    /// <param name="authenticatedAt">When the person signed in (seconds since the epoch, as text): the <c>auth_time</c> claim.</param>
    internal static ClaimsIdentity CreateIdentity(User user, IEnumerable<string> methods, string sessionId, string? authenticatedAt)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id.ToString());
        identity.SetClaim(Claims.Email, user.Email);
        identity.SetClaim(Claims.EmailVerified, user.EmailConfirmed);
        identity.SetClaim(Claims.Name, user.Email);
        identity.SetClaims(Claims.AuthenticationMethodReference, [.. methods]);
        identity.SetClaim(KeyPortalClaims.SessionId, sessionId);
        identity.SetClaim(StampClaim, user.SecurityStamp);
        if (long.TryParse(authenticatedAt, NumberStyles.None, CultureInfo.InvariantCulture, out var signedInAt))
        {
            // Always present (OIDC Core §2 requires it after max_age; harmless otherwise).
            identity.SetClaim(Claims.AuthenticationTime, signedInAt);
        }

        return identity;
    }

    private static IEnumerable<string> Destinations(Claim claim) => claim.Type switch
    {
        Claims.Email or Claims.EmailVerified when claim.Subject?.HasScope(Scopes.Email) == true => [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.Name when claim.Subject?.HasScope(Scopes.Profile) == true => [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.AuthenticationMethodReference or KeyPortalClaims.SessionId or Claims.AuthenticationTime => [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        StampClaim => [],
        _ => [OpenIddictConstants.Destinations.AccessToken],
    };

    /// <summary>An invalid request (wrong redirect URI, missing PKCE, unknown client): shown here, never redirected.</summary>
    private static IResult? ProtocolError(HttpContext http)
    {
        var response = http.GetOpenIddictServerResponse();
        if (response is null || string.IsNullOrEmpty(response.Error))
        {
            return null;
        }

        // An IdP page, so a forged request never sends the browser to an unregistered address.
        // The text travels protected, so nobody can make our page show words of their own.
        var protector = RequestErrorProtector(http.RequestServices);
        var payload = protector.Protect(JsonSerializer.Serialize(new[] { response.Error, response.ErrorDescription ?? "" }), TimeSpan.FromMinutes(10));
        return Results.Redirect(QueryHelpers.AddQueryString("/signin/request-error", "e", payload));
    }

    internal static ITimeLimitedDataProtector RequestErrorProtector(IServiceProvider services) =>
        services.GetRequiredService<IDataProtectionProvider>().CreateProtector("KeyPortal.IdP.RequestError").ToTimeLimitedDataProtector();

    private static IResult Forbid(string error, string description) =>
        Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static IResult Challenge(string error, string description) =>
        Results.Challenge(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
