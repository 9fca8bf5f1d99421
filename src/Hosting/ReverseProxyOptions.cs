using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace KeyPortal.Hosting;

/// <summary>
/// The reverse proxies (load balancers) in front of an app. Section <c>ReverseProxy</c>.
/// <c>X-Forwarded-For</c>, <c>-Proto</c> and <c>-Host</c> are believed only when the TCP peer is
/// one of them: otherwise any client could choose the address that per-address rate limits and
/// the audit trail see. Default: none (the socket's address is the client's).
/// </summary>
public sealed class ReverseProxyOptions
{
    public const string SectionName = "ReverseProxy";

    /// <summary>Addresses of the proxies, e.g. <c>10.0.0.5</c>. Default: none.</summary>
    public IList<string> KnownProxies { get; } = [];

    /// <summary>Networks of the proxies in CIDR form, e.g. <c>10.0.0.0/24</c>. Default: none.</summary>
    public IList<string> KnownNetworks { get; } = [];

    /// <summary>How many proxies a request passes (entries taken from the end of X-Forwarded-For). Default 1.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10)]
    public int ForwardLimit { get; set; } = 1;

    internal bool IsValid() =>
        KnownProxies.All(p => IPAddress.TryParse(p, out _)) && KnownNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _));
}

/// <summary>Turns <see cref="ReverseProxyOptions"/> into ASP.NET Core's forwarded-headers settings, with its defaults (loopback trusted) cleared.</summary>
internal sealed class ConfigureForwardedHeaders(IOptions<ReverseProxyOptions> proxies) : IConfigureOptions<ForwardedHeadersOptions>
{
    public void Configure(ForwardedHeadersOptions options)
    {
        var configured = proxies.Value;
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
        options.ForwardLimit = configured.ForwardLimit;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in configured.KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }

        foreach (var network in configured.KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }
    }
}
