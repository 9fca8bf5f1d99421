using System.Threading.RateLimiting;

namespace KeyPortal.IdP.Links;

/// <summary>Services and rate limits of the pages behind emailed links (activation, resets).</summary>
internal static class LinkSetup
{
    public const string RateLimitPolicy = "links";

    public static WebApplicationBuilder AddEmailedLinks(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(IdentityProviderOptions.SectionName).Get<IdentityProviderOptions>() ?? new();
        builder.Services.AddScoped<CodeRequestThrottle>();
        builder.Services.AddScoped<LinkThrottle>();
        builder.Services.AddRateLimiter(limiter =>
            // Per client address, reads included, far above a company's onboarding traffic; the
            // tight limits are per link and per refused link (LinkThrottle).
            limiter.AddPolicy(RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                Sessions.ClientAddress.ThrottleKey(http),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.LinkRequestsPerAddressPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })));
        return builder;
    }
}
