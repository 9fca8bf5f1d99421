using System.Security.Cryptography;
using System.Threading.RateLimiting;
using KeyPortal.Core.Passkeys;
using KeyPortal.IdP.Sessions;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.SignIn;

internal static class SignInSetup
{
    public const string FederatedSignInPolicy = "federated-signin";

    public const string RateLimitPolicy = "signin";

    /// <summary>The IdP session cookie, sign-in rate limits and the services of the sign-in pages.</summary>
    public static WebApplicationBuilder AddSignIn(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(IdentityProviderOptions.SectionName).Get<IdentityProviderOptions>() ?? new();
        var isDevelopment = builder.Environment.IsDevelopment();
        builder.Services.AddPasskeys();
        builder.Services.AddScoped<SessionService>();
        builder.Services.AddScoped<SessionValidator>();
        builder.Services.AddScoped<SignInThrottle>();
        var decoyKey = DecoyKey(builder.Configuration, isDevelopment);
        builder.Services.AddSingleton(provider => new DecoyCredentials(decoyKey, provider.GetRequiredService<TimeProvider>()));
        builder.Services.AddAntiforgery(o =>
        {
            o.HeaderName = "RequestVerificationToken";
            o.Cookie.Name = "KeyPortal.IdP.Antiforgery";
        });

        builder.Services.AddAuthentication(SessionCookie.Scheme)
            .AddCookie(SessionCookie.Scheme, cookie =>
            {
                cookie.Cookie.Name = "KeyPortal.IdP";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = isDevelopment ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                cookie.SlidingExpiration = true;
                cookie.ExpireTimeSpan = options.SessionIdleTimeout;
                cookie.LoginPath = "/signin";
                cookie.LogoutPath = "/signout";
                cookie.AccessDeniedPath = "/error/403";
                cookie.ReturnUrlParameter = "ReturnUrl";
                cookie.EventsType = typeof(SessionValidator);
            });
        builder.Services.AddAuthorization();

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Per client address: enough for people behind one office NAT, too few for guessing.
            RateLimitPartition<string> PerAddress(HttpContext http) => RateLimitPartition.GetFixedWindowLimiter(
                Sessions.ClientAddress.ThrottleKey(http),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.SignInAttemptsPerAddressPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            limiter.AddPolicy(RateLimitPolicy, http => HttpMethods.IsGet(http.Request.Method) ? RateLimitPartition.GetNoLimiter("get") : PerAddress(http));
            // Starting a federated sign-in writes a request row: every start counts, GETs included.
            limiter.AddPolicy(FederatedSignInPolicy, PerAddress);
        });
        return builder;
    }

    /// <summary>
    /// Key of the decoy credentials (<c>IdentityProvider:DecoySecret</c>). Required outside
    /// Development, and the same on every instance: a key made up per machine would give one
    /// address different decoys on different instances, which tells decoys from real keys.
    /// </summary>
    private static byte[] DecoyKey(ConfigurationManager configuration, bool isDevelopment)
    {
        var configured = configuration["IdentityProvider:DecoySecret"];
        if (string.IsNullOrEmpty(configured))
        {
            if (!isDevelopment)
            {
                throw new InvalidOperationException(
                    "IdentityProvider:DecoySecret is not set. Set it to the same long random secret on every identity provider instance.");
            }

            configured = "development-decoy-secret";
        }

        return SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("decoy:" + configured));
    }

    internal static IOptions<IdentityProviderOptions> Options(this HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptions<IdentityProviderOptions>>();
}
