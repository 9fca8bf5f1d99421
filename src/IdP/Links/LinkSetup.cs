using System.Threading.RateLimiting;

namespace KeyPortal.IdP.Links;

/// <summary>Services and rate limits of the pages behind emailed links (activation, resets).</summary>
internal static class LinkSetup
{
    public const string RateLimitPolicy = "links";

    public static WebApplicationBuilder AddEmailedLinks(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(IdentityProviderOptions.SectionName).Get<IdentityProviderOptions>() ?? new();
        builder.Services.AddSingleton<CodeRequestThrottle>();
        builder.Services.AddRateLimiter(limiter =>
            // Per client address, reads included: every refused link is audited, so guessing
            // tokens costs the guesser, not the database.
            limiter.AddPolicy(RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.LinkRequestsPerAddressPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })));
        return builder;
    }
}
