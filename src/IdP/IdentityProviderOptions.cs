using System.ComponentModel.DataAnnotations;

namespace KeyPortal.IdP;

/// <summary>Settings of the identity provider. Section <c>IdentityProvider</c>.</summary>
public sealed class IdentityProviderOptions
{
    public const string SectionName = "IdentityProvider";

    /// <summary>
    /// Legacy password sign-in works until this instant; afterwards a password only leads to
    /// creating a passkey. Null (default): no cut-off yet.
    /// </summary>
    public DateTimeOffset? PasswordSignInCutoff { get; set; }

    /// <summary>A session ends after this long without activity. Default 2 hours.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>A session ends this long after sign-in whatever the activity. Default 12 hours.</summary>
    public TimeSpan SessionMaximumLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Access-token lifetime. Default 10 minutes (revocation is live anyway).</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Lifetime of the access tokens issued against API tokens (client credentials with the
    /// token). Default 5 minutes. The resource server re-checks the API token on every call, so
    /// revocation does not wait for expiry; a short lifetime bounds what a leaked JWT is worth.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:30", "01:00:00")]
    public TimeSpan ApiTokenAccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a just-redeemed refresh token may be presented again (two tabs refreshing at
    /// once). Later reuse revokes the whole grant. Default 5 seconds; zero disables the leeway.
    /// </summary>
    public TimeSpan RefreshTokenReuseLeeway { get; set; } = TimeSpan.FromSeconds(5);

    public SigningOptions Signing { get; set; } = new();

    /// <summary>Sign-in attempts allowed per client address per minute. Default 60.</summary>
    [Range(1, 1_000_000)]
    public int SignInAttemptsPerAddressPerMinute { get; set; } = 60;

    /// <summary>
    /// Sign-in attempts allowed per account (email) from one client address per 5 minutes.
    /// Default 10. Keyed on both, so somebody elsewhere naming the address cannot lock its owner out.
    /// </summary>
    [Range(1, 1_000_000)]
    public int SignInAttemptsPerAccountPer5Minutes { get; set; } = 10;

    /// <summary>Sign-in attempts allowed per account (email) from all addresses together per 5 minutes. Default 100.</summary>
    [Range(1, 1_000_000)]
    public int SignInAttemptsPerAccountCeilingPer5Minutes { get; set; } = 100;

    /// <summary>Changes on the account page need an authentication at most this old; else the user confirms with a passkey (or password) again. Default 10 minutes.</summary>
    public TimeSpan RecentAuthenticationWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Requests to emailed-link pages (activation, resets) per client address per minute: a
    /// ceiling above what a company's shared address sends on an onboarding day. Default 600.
    /// </summary>
    [Range(1, 1_000_000)]
    public int LinkRequestsPerAddressPerMinute { get; set; } = 600;

    /// <summary>Requests one emailed link may make per minute (its pages and passkey steps). Default 30.</summary>
    [Range(1, 1_000_000)]
    public int LinkRequestsPerLinkPerMinute { get; set; } = 30;

    /// <summary>Refused links (unknown, used, expired) per client address per minute before the address is cut off. Default 30.</summary>
    [Range(1, 1_000_000)]
    public int RefusedLinksPerAddressPerMinute { get; set; } = 30;

    /// <summary>One-time codes one emailed link may request per hour. Default 5.</summary>
    [Range(1, 1_000)]
    public int CodeRequestsPerLinkPerHour { get; set; } = 5;

    /// <summary>The relying parties and API clients, registered (created or updated) at start-up.</summary>
    public List<ClientOptions> Clients { get; set; } = [];
}
