using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace KeyPortal.Hosting;

/// <summary>One app that signs its users in at the IdP (Portal, Admin).</summary>
public sealed class RelyingParty
{
    /// <summary>The client id registered at the IdP, e.g. <c>portal</c>.</summary>
    public required string ClientId { get; init; }

    /// <summary>
    /// The session cookie's name. Browsers share cookies across the ports of one host, so each
    /// app on <c>localhost</c> needs its own name or they would overwrite each other's sessions.
    /// </summary>
    public required string CookieName { get; init; }

    /// <summary>Where people reach this app; the redirect URIs registered at the IdP hang off it.</summary>
    public required Func<PublicUrlOptions, Uri> PublicUrl { get; init; }

    /// <summary>Who may use this app besides being an active user with a live IdP session.</summary>
    public required AdmissionRule Admits { get; init; }

    /// <summary>
    /// Whether the app's API accepts a client's own token (client credentials: no user, no
    /// organization permission). Default false: only members' tokens.
    /// </summary>
    public bool AdmitsClients { get; init; }

    /// <summary>
    /// With <see cref="AdmitsClients"/>, which clients' tokens the API accepts at all (the others
    /// get 401, as a token meant for another resource would). Null: every client's.
    /// </summary>
    public Func<HttpContext, ClaimsPrincipal, bool>? AdmitsClient { get; init; }

    /// <summary>
    /// Whether the app's API accepts members' API tokens, directly (<c>Bearer kpat_…</c>) and as
    /// access tokens the IdP issued against them (audience <see cref="ApiAuthentication.DeliveryAudience"/>);
    /// see <see cref="ApiTokenAuthentication"/>. Default false: neither is accepted.
    /// </summary>
    public bool AdmitsApiTokens { get; init; }
}

/// <summary>Paths every relying party serves.</summary>
public static class RelyingPartyPaths
{
    /// <summary>The public page; where sign-out ends.</summary>
    public const string Landing = "/welcome";

    public const string SignIn = "/signin";

    /// <summary>A new sign-in at the IdP (<c>prompt=login</c>) before a privileged action, then back.</summary>
    public const string Confirm = "/signin/confirm";

    public const string SignOut = "/signout";

    /// <summary>403 page for users the app does not admit (answered here, never by another round trip to the IdP).</summary>
    public const string AccessDenied = "/access-denied";

    /// <summary>Authorization response (registered redirect URI, relative to the app's public URL).</summary>
    public const string Callback = "signin-oidc";

    /// <summary>Return from the IdP's end-session endpoint (registered post-logout redirect URI).</summary>
    public const string SignedOutCallback = "signout-callback-oidc";
}

/// <summary>
/// Portal and Admin as OpenID Connect clients of the IdP: authorization code flow with PKCE,
/// their own cookie session, and a database check of that session on every request.
/// </summary>
public static partial class RelyingPartyAuthentication
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;

    public const string OpenIdConnectScheme = OpenIdConnectDefaults.AuthenticationScheme;

    private const string PageOrApiScheme = "KeyPortal.PageOrApi";

    private const string PageOrApiChallengeScheme = "KeyPortal.PageOrApi.Challenge";

    public static WebApplicationBuilder AddRelyingPartyAuthentication(this WebApplicationBuilder builder, RelyingParty client)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(client);
        var services = builder.Services;
        var development = builder.Environment.IsDevelopment();
        // Development runs on plain http://localhost; anywhere else cookies travel over HTTPS only.
        var securePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

        services.AddOptions<RelyingPartyOptions>().BindConfiguration(RelyingPartyOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(client);
        services.AddSingleton(client.Admits);
        services.AddScoped<RelyingPartySessionValidator>();

        var authentication = services.AddAuthentication(options =>
            {
                // APIs (/api/*) with bearer tokens, everything else with the cookie and the IdP.
                options.DefaultScheme = PageOrApiScheme;
                options.DefaultChallengeScheme = PageOrApiChallengeScheme;
            })
            .AddPolicyScheme(PageOrApiScheme, "Cookie for pages, bearer token for APIs", options =>
                options.ForwardDefaultSelector = context => ApiAuthentication.IsApiRequest(context) ? ApiAuthentication.Scheme : CookieScheme)
            .AddPolicyScheme(PageOrApiChallengeScheme, "Sign-in at the IdP for pages, 401 for APIs", options =>
                options.ForwardDefaultSelector = context => ApiAuthentication.IsApiRequest(context) ? ApiAuthentication.Scheme : OpenIdConnectScheme);
        authentication.AddApiBearer(client, development);
        authentication
            .AddCookie(CookieScheme, options =>
            {
                options.Cookie.Name = client.CookieName;
                options.Cookie.HttpOnly = true;
                // Lax: the cookie must come along on the top-level GET back from the IdP, and on
                // nothing another site triggers in the background.
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = securePolicy;
                options.SlidingExpiration = true;
                options.AccessDeniedPath = RelyingPartyPaths.AccessDenied;
                // The cookie says only that the IdP once signed this user in. Sign-out at the IdP,
                // a reset, a suspension, removal or a lost admission rule are all written to the
                // shared database, so checking it on every request ends this app's session at
                // once, with no back-channel call from the IdP (see README, "Sessions and sign-out").
                options.Events.OnValidatePrincipal = context =>
                    context.HttpContext.RequestServices.GetRequiredService<RelyingPartySessionValidator>().ValidatePrincipalAsync(context);
            })
            .AddOpenIdConnect(OpenIdConnectScheme, options =>
            {
                options.ClientId = client.ClientId;
                options.ResponseType = OpenIdConnectResponseType.Code;
                options.ResponseMode = OpenIdConnectResponseMode.Query;
                options.UsePkce = true;
                options.Scope.Clear();
                options.Scope.Add("openid");
                options.Scope.Add("email");
                options.Scope.Add("profile");
                // The claims stay as the IdP wrote them (sub, sid, email, amr), not remapped to
                // WS-Federation URIs; everything the app needs is in the id_token.
                options.MapInboundClaims = false;
                options.GetClaimsFromUserInfoEndpoint = false;
                options.TokenValidationParameters.NameClaimType = KeyPortalClaims.Email;
                options.SaveTokens = true;
                options.RequireHttpsMetadata = !development;
                options.DisableTelemetry = true;
                options.CallbackPath = "/" + RelyingPartyPaths.Callback;
                options.SignedOutCallbackPath = "/" + RelyingPartyPaths.SignedOutCallback;
                options.SignedOutRedirectUri = RelyingPartyPaths.Landing;
                options.CorrelationCookie.Name = client.CookieName + ".Correlation.";
                options.NonceCookie.Name = client.CookieName + ".Nonce.";
                // The authorization response is a top-level GET (response_mode=query), so Lax
                // suffices and the cookies also work over plain http on localhost in development.
                options.CorrelationCookie.SameSite = SameSiteMode.Lax;
                options.NonceCookie.SameSite = SameSiteMode.Lax;
                options.CorrelationCookie.SecurePolicy = securePolicy;
                options.NonceCookie.SecurePolicy = securePolicy;
                options.Events = new OpenIdConnectEvents
                {
                    OnRedirectToIdentityProvider = context =>
                    {
                        // The registered redirect URI, not one built from whatever host the request used.
                        context.ProtocolMessage.RedirectUri = AppUri(context.HttpContext, RelyingPartyPaths.Callback);
                        return Task.CompletedTask;
                    },
                    OnRedirectToIdentityProviderForSignOut = context =>
                    {
                        context.ProtocolMessage.PostLogoutRedirectUri = AppUri(context.HttpContext, RelyingPartyPaths.SignedOutCallback);
                        // Lets the IdP check post_logout_redirect_uri even when id_token_hint is
                        // missing (no session here any more, e.g. from the access-denied page).
                        context.ProtocolMessage.ClientId = client.ClientId;
                        return Task.CompletedTask;
                    },
                    OnTokenValidated = RefuseUnlessAdmittedAsync,
                    OnTicketReceived = context =>
                    {
                        // Keep only the id_token (the id_token_hint for sign-out): the app calls no
                        // API with the access token, and a smaller cookie is sent on every request.
                        var idToken = context.Properties?.GetTokenValue(OpenIdConnectParameterNames.IdToken);
                        context.Properties?.StoreTokens(idToken is null
                            ? []
                            : [new AuthenticationToken { Name = OpenIdConnectParameterNames.IdToken, Value = idToken }]);
                        return Task.CompletedTask;
                    },
                    OnRemoteFailure = context =>
                    {
                        // An error from the IdP or a stale callback (correlation failed) must not
                        // become a 500 nor a new round trip: show the refusal page.
                        LogRemoteFailure(Logger(context.HttpContext), context.Failure?.Message);
                        context.HandleResponse();
                        context.Response.Redirect(context.Request.PathBase + RelyingPartyPaths.AccessDenied);
                        return Task.CompletedTask;
                    },
                };
            });

        services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<IOptions<RelyingPartyOptions>>((options, settings) => options.ExpireTimeSpan = settings.Value.IdleTimeout);
        services.AddOptions<OpenIdConnectOptions>(OpenIdConnectScheme)
            .Configure<IOptions<PublicUrlOptions>, IOptions<RelyingPartyOptions>>((options, urls, settings) =>
            {
                options.Authority = urls.Value.IdP.AbsoluteUri;
                options.ClientSecret = settings.Value.ClientSecret;
            });

        // Every page needs a signed-in, admitted user unless it says [AllowAnonymous] (landing,
        // error and access-denied pages). Unknown paths still answer 404.
        services.Configure<RazorPagesOptions>(options => options.Conventions.AuthorizeFolder("/"));
        return builder;
    }

    /// <summary>Authentication (with the per-request session check) and authorization; call after <c>UseKeyPortalDefaults</c>.</summary>
    public static WebApplication UseRelyingPartyAuthentication(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// <c>GET /signin</c> (starts a sign-in at the IdP) and <c>POST /signout</c> (signs out here and
    /// at the IdP; with a local <c>signInAgainAt</c> it signs in afresh and returns there).
    /// </summary>
    public static IEndpointRouteBuilder MapRelyingPartyAccount(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(RelyingPartyPaths.SignIn, (HttpContext context, string? returnUrl) =>
            {
                var target = IsLocalPath(returnUrl) ? returnUrl! : "/";
                return context.User.Identity?.IsAuthenticated == true
                    ? Results.LocalRedirect(target)
                    : Results.Challenge(new AuthenticationProperties { RedirectUri = target }, [OpenIdConnectScheme]);
            })
            .AllowAnonymous()
            .WithName("SignIn")
            .ExcludeFromDescription();

        endpoints.MapGet(RelyingPartyPaths.Confirm, (HttpContext context, string? returnUrl) =>
                // A top-level GET that only starts a sign-in: nothing changes until the person
                // has authenticated again at the IdP, so no anti-forgery token is needed.
                Results.Challenge(
                    new OpenIdConnectChallengeProperties { Prompt = "login", RedirectUri = IsLocalPath(returnUrl) ? returnUrl! : "/" },
                    [OpenIdConnectScheme]))
            .AllowAnonymous()
            .WithName("ConfirmSignIn")
            .ExcludeFromDescription();

        endpoints.MapPost(RelyingPartyPaths.SignOut, async (HttpContext context, IAntiforgery antiforgery) =>
            {
                // A cross-site form must not sign people out (logout CSRF).
                if (!await antiforgery.IsRequestValidAsync(context))
                {
                    return Results.BadRequest();
                }

                // Cookie first, then RP-initiated logout at the IdP's end-session endpoint with
                // id_token_hint; the IdP ends the session (sid) for every app and sends the
                // browser back to signout-callback-oidc, which lands on the public page, or, when
                // the form asks to sign in again (e.g. with a passkey for a page that needs one),
                // starts a new sign-in that returns to that page of this app.
                var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : null;
                var again = form?["signInAgainAt"].ToString();
                var after = IsLocalPath(again)
                    ? $"{RelyingPartyPaths.SignIn}?returnUrl={Uri.EscapeDataString(again!)}"
                    : RelyingPartyPaths.Landing;
                return Results.SignOut(
                    new AuthenticationProperties { RedirectUri = after },
                    [CookieScheme, OpenIdConnectScheme]);
            })
            .AllowAnonymous()
            .WithName("SignOut")
            .ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>
    /// The signed-in user as the actor of an audited change, with the request's client address.
    /// The session check has already admitted this user, so <c>sub</c> names an existing account.
    /// </summary>
    public static async Task<AuditActor> SignedInActorAsync(this HttpContext http, PortalDbContext db)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(db);
        var userId = Guid.Parse(http.User.FindFirst(KeyPortalClaims.Subject)!.Value);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, http.RequestAborted);
        // The session row says whether an organization's identity provider made this session.
        var sessionId = Guid.TryParse(http.User.FindFirst(KeyPortalClaims.SessionId)?.Value, out var sid) ? sid : Guid.Empty;
        var scope = await db.UserSessions.Where(s => s.Id == sessionId).Select(s => s.FederatedOrganizationId).SingleOrDefaultAsync(http.RequestAborted);
        return AuditActor.ForUser(user, http.Connection.RemoteIpAddress?.ToString()) with { SessionScope = scope };
    }

    /// <summary>The email of the signed-in user, for the header.</summary>
    public static string? SignedInEmail(this ClaimsPrincipal principal) =>
        principal?.Identity?.IsAuthenticated == true ? principal.FindFirst(KeyPortalClaims.Email)?.Value : null;

    /// <summary>
    /// A path on this app only: "/x", never "//host" or "/\host" (open-redirect guard). Control
    /// characters and whitespace are refused too: browsers drop tabs and newlines from URLs, so
    /// "/\t/host" would become "//host".
    /// </summary>
    public static bool IsLocalPath(string? path) =>
        !string.IsNullOrEmpty(path) && path[0] == '/' && (path.Length == 1 || (path[1] != '/' && path[1] != '\\'))
        && !path.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
        && !path.Contains("://", StringComparison.Ordinal);

    private static async Task RefuseUnlessAdmittedAsync(TokenValidatedContext context)
    {
        var validator = context.HttpContext.RequestServices.GetRequiredService<RelyingPartySessionValidator>();
        var rejection = await validator.ValidateAsync(context.Principal, context.HttpContext.RequestAborted);
        if (rejection == SessionRejection.None)
        {
            return;
        }

        // Answer with a 403 page here instead of signing in: a cookie that the next request's
        // check would reject would send the browser straight back to the IdP, which would sign
        // it in again at once, in a loop.
        LogRefused(Logger(context.HttpContext), context.Principal?.FindFirst(KeyPortalClaims.Subject)?.Value, rejection);
        context.HandleResponse();
        context.Response.Redirect(context.Request.PathBase + RelyingPartyPaths.AccessDenied);
    }

    private static string AppUri(HttpContext context, string relative)
    {
        var client = context.RequestServices.GetRequiredService<RelyingParty>();
        var urls = context.RequestServices.GetRequiredService<IOptions<PublicUrlOptions>>().Value;
        return new Uri(client.PublicUrl(urls), relative).AbsoluteUri;
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RelyingPartyAuthentication).FullName!);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Sign-in of user {UserId} refused: {Rejection}.")]
    private static partial void LogRefused(ILogger logger, string? userId, SessionRejection rejection);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Sign-in at the identity provider failed: {Reason}")]
    private static partial void LogRemoteFailure(ILogger logger, string? reason);
}
