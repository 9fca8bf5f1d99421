using System.Security.Cryptography;
using System.Threading.RateLimiting;
using KeyPortal.IdP.Sessions;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.SignIn;

internal static class SignInSetup
{
    public const string RateLimitPolicy = "signin";

    /// <summary>The IdP session cookie, sign-in rate limits and the services of the sign-in pages.</summary>
    public static WebApplicationBuilder AddSignIn(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(IdentityProviderOptions.SectionName).Get<IdentityProviderOptions>() ?? new();
        var isDevelopment = builder.Environment.IsDevelopment();
        builder.Services.AddScoped<SessionService>();
        builder.Services.AddScoped<SessionValidator>();
        builder.Services.AddSingleton<SignInThrottle>();
        builder.Services.AddSingleton(provider => new DecoyCredentials(DecoyKey(builder.Configuration)));
        builder.Services.AddAntiforgery(o =>
        {
            o.HeaderName = "RequestVerificationToken";
            o.Cookie.Name = "KeyPortal.IdP.Antiforgery";
        });

        builder.Services.AddAuthentication(SessionClaims.Scheme)
            .AddCookie(SessionClaims.Scheme, cookie =>
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
            limiter.AddPolicy(RateLimitPolicy, http => HttpMethods.IsGet(http.Request.Method) ? RateLimitPartition.GetNoLimiter("get") : RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.SignInAttemptsPerAddressPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        return builder;
    }

    /// <summary>
    /// Key of the decoy credential ids: configured (<c>IdentityProvider:DecoySecret</c>, needed when
    /// several instances run) or, for a single instance, derived from the data-protection key ring.
    /// </summary>
    private static byte[] DecoyKey(ConfigurationManager configuration)
    {
        var configured = configuration["IdentityProvider:DecoySecret"];
        return string.IsNullOrEmpty(configured)
            ? SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("decoy:" + Environment.MachineName + AppContext.BaseDirectory))
            : SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(configured));
    }

    internal static IOptions<IdentityProviderOptions> Options(this HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptions<IdentityProviderOptions>>();
}
