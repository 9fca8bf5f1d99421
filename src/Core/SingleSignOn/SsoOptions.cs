using System.ComponentModel.DataAnnotations;

namespace KeyPortal.Core.SingleSignOn;

/// <summary>Installation-wide single sign-on settings (section <c>Sso</c>).</summary>
public sealed class SsoOptions
{
    public const string SectionName = "Sso";

    /// <summary>
    /// Accept identity-provider addresses over plain http (metadata, sign-in, OIDC issuer).
    /// Default false: an identity provider's answers decide who signs in, so they travel over
    /// TLS. Development and the test peers on 127.0.0.1 turn it on.
    /// </summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Let the servers fetch what an Owner names (identity-provider metadata) from loopback and
    /// private-network addresses. Default false: an address typed into a settings page must not
    /// reach the installation's own network. Development and the tests (peers on 127.0.0.1) turn it on.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>
    /// The DNS server domain verification asks (<c>host:port</c>); default empty: the machine's
    /// resolvers. Tests point it at a local dnsmasq.
    /// </summary>
    public string? NameServer { get; set; }

    /// <summary>How long a sign-in sent to an identity provider may take to come back. Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan SignInRequestLifetime { get; set; } = TimeSpan.FromMinutes(10);
}
