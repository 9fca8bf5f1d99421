using System.Security.Claims;
using KeyPortal.Core.Authorization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;

namespace KeyPortal.Hosting;

/// <summary>
/// Who calls an API: a member acting for themselves (with <see cref="ApiToken"/> when through one
/// of their API tokens), or a client with its own token (client credentials).
/// </summary>
public sealed record ApiCaller(string Kind, Guid? UserId, string? ClientId, string? ApiToken = null)
{
    public const string MemberKind = "member";

    public const string ClientKind = "client";

    /// <summary>A token's subject is a user's id (member) or, in client-credentials tokens, the client's id.</summary>
    public static ApiCaller Of(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return CurrentMember.UserIdOf(principal) is { } userId
            ? new ApiCaller(MemberKind, userId, principal.FindFirstValue(KeyPortalClaims.ClientId), principal.FindFirstValue(KeyPortalClaims.ApiToken))
            : new ApiCaller(ClientKind, null, principal.FindFirstValue(KeyPortalClaims.Subject));
    }
}

/// <summary>
/// The APIs of Portal and Admin (everything under <see cref="PathPrefix"/>) authenticate with
/// bearer tokens, never with the browser's cookie (so no cross-site request can call them):
/// <list type="bullet">
/// <item>an access token from the IdP: a JWT signed by the IdP, for the audience
/// <see cref="Audience"/>, whose token entry at the IdP is still valid (a revoked token stops at
/// once, not when it expires), and for a member's token, whose IdP session is live;</item>
/// <item>in an app that admits API tokens (<see cref="RelyingParty.AdmitsApiTokens"/>), an API
/// token, as itself (<c>kpat_…</c>) or as a JWT the IdP issued against it for
/// <see cref="DeliveryAudience"/>; both are checked live on every call
/// (<see cref="ApiTokenAuthentication"/>), so revocation reaches a JWT on its next call.</item>
/// </list>
/// Refusals are problem JSON: 401 (with <c>WWW-Authenticate: Bearer</c>) without a valid token,
/// 403 when the caller lacks the permission; never a redirect to the IdP. Pages keep the cookie.
/// </summary>
public static class ApiAuthentication
{
    public const string PathPrefix = "/api";

    /// <summary>The API's scheme: sends each request to <see cref="ApiTokenAuthentication.Scheme"/> or <see cref="BearerScheme"/> by its credential.</summary>
    public const string Scheme = "KeyPortal.Api";

    /// <summary>The IdP's access tokens (JWT).</summary>
    public const string BearerScheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>The resource the IdP names in access tokens granted the <c>api</c> scope.</summary>
    public const string Audience = "urn:keyportal:api";

    /// <summary>
    /// The resource the IdP names in access tokens it issues against an API token (client
    /// credentials with the token, scope <c>delivery</c>). Only apps that admit API tokens accept it.
    /// </summary>
    public const string DeliveryAudience = "urn:keyportal:delivery";

    /// <summary>The policy of every API endpoint: a caller authenticated by a bearer token.</summary>
    public const string CallerPolicy = "api-caller";

    /// <summary>OpenIddict's claim naming the token entry.</summary>
    private const string TokenIdClaim = "oi_tkn_id";

    public static bool IsApiRequest(HttpContext context) =>
        context?.Request.Path.StartsWithSegments(PathPrefix, StringComparison.OrdinalIgnoreCase) == true;

    internal static void AddApiBearer(this AuthenticationBuilder authentication, RelyingParty client, bool development)
    {
        authentication.AddPolicyScheme(Scheme, "API token or access token", options =>
            options.ForwardDefaultSelector = context => ApiTokenAuthentication.IsApiTokenBearer(context.Request) ? ApiTokenAuthentication.Scheme : BearerScheme);
        authentication.AddApiTokens();
        authentication.AddJwtBearer(BearerScheme, options =>
        {
            // An app that does not admit API tokens does not even take the JWTs issued against them.
            options.TokenValidationParameters.ValidAudiences = client.AdmitsApiTokens ? [Audience, DeliveryAudience] : [Audience];
            options.MapInboundClaims = false;
            options.RequireHttpsMetadata = !development;
            options.TokenValidationParameters.NameClaimType = KeyPortalClaims.Subject;
            // Access tokens only (RFC 9068 "at+jwt"): never an id_token, whatever its audience.
            options.TokenValidationParameters.ValidTypes = ["at+jwt"];
            options.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(30);
            options.Events = new JwtBearerEvents
            {
                // Tokens issued against an API token have no token entry: their API token is checked instead.
                OnTokenValidated = context => context.Principal?.HasClaim(JwtRegisteredClaimNames.Aud, DeliveryAudience) == true
                    ? ApiTokenAuthentication.ValidateIssuedTokenAsync(context)
                    : RequireLiveTokenEntryAsync(context),
                OnChallenge = context =>
                {
                    context.HandleResponse();
                    return WriteChallengeAsync(context.HttpContext, context.Error);
                },
                OnForbidden = context => WriteForbiddenAsync(context.HttpContext),
            };
        });
        authentication.Services.AddOptions<JwtBearerOptions>(BearerScheme)
            .Configure<IOptions<PublicUrlOptions>>((options, urls) => options.Authority = urls.Value.IdP.AbsoluteUri);
        authentication.Services.AddAuthorizationBuilder()
            .AddPolicy(CallerPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                // A live token of somebody this app does not admit names them, but lets them do nothing (403).
                .RequireAssertion(context => context.Resource is not HttpContext http || !http.Items.ContainsKey(NotAdmittedKey)));
    }

    /// <summary>A group for API endpoints: bearer callers only, no anti-forgery (no cookie is read), problem JSON.</summary>
    public static RouteGroupBuilder MapApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var api = endpoints.MapGroup(PathPrefix).RequireAuthorization(CallerPolicy).DisableAntiforgery();
        // Who is calling: a member (their user id) or a client with its own token.
        api.MapGet("/me", (HttpContext http) => Results.Ok(ApiCaller.Of(http.User))).WithName("ApiCaller");
        return api;
    }

    /// <summary>
    /// Accepts the token only while its entry at the IdP is valid (the IdP revokes entries on
    /// suspension, reset and refresh-token reuse; they share this database), or, for a client's
    /// own token, which has no entry, while its client holds (<see cref="ClientTokens"/>); and, for a member's
    /// token, while the IdP session it was issued in (<c>sid</c>) is live, the account may hold a
    /// session and this app admits the person (the same rule as its cookie: e.g. the console
    /// wants a platform operator signed in with a passkey). Signing out therefore ends the
    /// session's API tokens at once too.
    /// </summary>
    private static async Task RequireLiveTokenEntryAsync(TokenValidatedContext context)
    {
        var http = context.HttpContext;
        var id = context.Principal?.FindFirstValue(TokenIdClaim);
        if (id is null && context.Principal is { } own && ApiCaller.Of(own) is { UserId: null })
        {
            // A client's own token has no entry: its client's registration and secret decide.
            var applications = http.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
            if (!await ClientTokens.IsLiveAsync(own, applications, http.RequestAborted))
            {
                context.Fail("The client was removed or its secret changed since the token was issued.");
                return;
            }
        }
        else
        {
            var tokens = http.RequestServices.GetRequiredService<IOpenIddictTokenManager>();
            var entry = id is null ? null : await tokens.FindByIdAsync(id, http.RequestAborted);
            if (entry is null || !await tokens.HasStatusAsync(entry, OpenIddictConstants.Statuses.Valid, http.RequestAborted))
            {
                context.Fail("The token was revoked or is unknown to the identity provider.");
                return;
            }
        }

        if (context.Principal is not { } principal || ApiCaller.Of(principal) is not { UserId: not null })
        {
            // A client's own token: it is no member and holds no organization permission, and
            // only an app that says so takes it at all.
            var app = http.RequestServices.GetRequiredService<RelyingParty>();
            if (!app.AdmitsClients)
            {
                context.Fail("This app's API takes members' tokens only.");
            }
            else if (app.AdmitsClient is { } admits && context.Principal is { } client && !admits(http, client))
            {
                context.Fail("This app's API does not take this client's tokens.");
            }

            return;
        }

        // The same check as the cookie's on every request: live session of this user with the
        // account's current stamp, an account that may hold one, and this app's admission rule.
        var rejection = await http.RequestServices.GetRequiredService<RelyingPartySessionValidator>().ValidateAsync(principal, http.RequestAborted);
        if (rejection == SessionRejection.NotAdmitted)
        {
            // The token and its session hold, but this app does not admit the person (the
            // console, someone who is not an operator signed in with a passkey): authenticated,
            // and refused every endpoint by the caller policy (403).
            http.Items[NotAdmittedKey] = true;
        }
        else if (rejection != SessionRejection.None)
        {
            context.Fail($"The session the token was issued in does not hold: {rejection}.");
        }
    }

    /// <summary>RFC 6750 §3: 401 with <c>WWW-Authenticate: Bearer</c> (and the error, when a credential was refused), as problem JSON.</summary>
    internal static Task WriteChallengeAsync(HttpContext http, string? error)
    {
        http.Response.Headers.WWWAuthenticate = error is null ? "Bearer" : $"Bearer error=\"{error}\"";
        return WriteProblemAsync(http, StatusCodes.Status401Unauthorized, "A valid bearer access token is required.");
    }

    internal static Task WriteForbiddenAsync(HttpContext http) => http.Items.ContainsKey(NotAdmittedKey)
        ? WriteProblemAsync(http, StatusCodes.Status403Forbidden, "This app does not admit you: sign in to the app that serves your account.", NotAdmittedCode)
        : WriteProblemAsync(http, StatusCodes.Status403Forbidden, "The caller may not do this.");

    /// <summary>The problem code of a live token whose person this app does not admit.</summary>
    public const string NotAdmittedCode = "caller.not_admitted";

    private const string NotAdmittedKey = "KeyPortal.Api.NotAdmitted";

    private static Task WriteProblemAsync(HttpContext http, int status, string title, string? code = null)
    {
        http.Response.StatusCode = status;
        var problem = new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Title = title },
        };
        if (code is not null)
        {
            problem.ProblemDetails.Type = $"urn:keyportal:error:{code}";
            problem.ProblemDetails.Extensions["code"] = code;
        }

        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(problem).AsTask();
    }
}
