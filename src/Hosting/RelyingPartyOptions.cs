using System.ComponentModel.DataAnnotations;

namespace KeyPortal.Hosting;

/// <summary>
/// How Portal and Admin sign in at the IdP as OpenID Connect clients. Section
/// <c>Authentication</c>; the client id is fixed by each app, the secret comes from configuration.
/// </summary>
public sealed class RelyingPartyOptions
{
    public const string SectionName = "Authentication";

    /// <summary>The client secret registered for this app at the IdP. Required; development values are in appsettings.Development.json.</summary>
    [Required]
    public string ClientSecret { get; set; } = "";

    /// <summary>
    /// The app's cookie session ends after this much inactivity (sliding). Default 30 minutes.
    /// The IdP session's absolute expiry bounds it too, whatever the activity.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Privileged actions (operator onboarding; each destructive console action must check it too) need a
    /// sign-in at the IdP no older than this (the id_token's <c>auth_time</c>); otherwise the
    /// person confirms with a new sign-in first. Default 10 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RecentAuthenticationWindow { get; set; } = TimeSpan.FromMinutes(10);
}
