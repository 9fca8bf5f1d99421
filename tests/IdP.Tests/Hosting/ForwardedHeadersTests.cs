using System.Net;
using KeyPortal.IdP.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Hosting;

/// <summary>
/// Behind a load balancer: a configured proxy passes the client's real address (rate limits and
/// the audit trail see it), and nobody else can choose the address they are counted under.
/// </summary>
public sealed class ForwardedHeadersTests(ProxiedIdpFactory factory) : IClassFixture<ProxiedIdpFactory>
{
    [Fact]
    public async Task A_client_cannot_spoof_its_address_with_X_Forwarded_For()
    {
        var address = await FailedSignInAddressAsync(peer: "203.0.113.9", forwardedFor: "198.51.100.1");
        Assert.Equal("203.0.113.9", address);
    }

    [Fact]
    public async Task A_configured_proxy_passes_the_clients_real_address()
    {
        var address = await FailedSignInAddressAsync(peer: ProxiedIdpFactory.Proxy, forwardedFor: "198.51.100.7");
        Assert.Equal("198.51.100.7", address);
    }

    [Fact]
    public async Task A_proxy_in_a_configured_network_passes_it_too_and_the_limit_counts_each_client()
    {
        Assert.Equal("198.51.100.8", await FailedSignInAddressAsync(peer: "10.20.0.17", forwardedFor: "198.51.100.8"));

        // Many clients behind one proxy: each has its own per-address sign-in limit.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(ProxiedIdpFactory.Proxy, "198.51.100.20"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await SignInStatusAsync(ProxiedIdpFactory.Proxy, "198.51.100.20"));
        Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(ProxiedIdpFactory.Proxy, "198.51.100.21"));
    }

    [Fact]
    public async Task IPv6_clients_are_limited_per_64_network()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync($"2001:db8:1:2::{10 + i}", "198.51.100.1"));
        }

        // Another address of the same /64 is the same subscriber; another /64 is not.
        Assert.Equal(HttpStatusCode.TooManyRequests, await SignInStatusAsync("2001:db8:1:2:ffff::99", "198.51.100.1"));
        Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync("2001:db8:1:3::1", "198.51.100.1"));
    }

    private async Task<string?> FailedSignInAddressAsync(string peer, string forwardedFor)
    {
        var email = $"nobody-{Guid.NewGuid():N}@contoso.example";
        Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(peer, forwardedFor, email));
        await using var db = factory.Database.CreateContext();
        var entries = await db.AuditEntries.AsNoTracking().Where(a => a.Action == "signin.failed").OrderByDescending(a => a.Id).Take(1).ToListAsync();
        return Assert.Single(entries).ClientAddress;
    }

    private async Task<HttpStatusCode> SignInStatusAsync(string peer, string forwardedFor, string email = "someone@contoso.example")
    {
        using var browser = new OidcBrowser(factory);
        browser.Http.DefaultRequestHeaders.Add(PeerAddress.Header, peer);
        browser.Http.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        using var response = await browser.SignInWithPasswordAsync(email, "wrong-password-123");
        return response.StatusCode;
    }
}

/// <summary>The identity provider behind one known proxy and one known proxy network, with a tight per-address limit.</summary>
public sealed class ProxiedIdpFactory : IdpFactory
{
    public const string Proxy = "10.0.0.5";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("ReverseProxy:KnownProxies:0", Proxy);
        builder.UseSetting("ReverseProxy:KnownNetworks:0", "10.20.0.0/16");
        builder.UseSetting("IdentityProvider:SignInAttemptsPerAddressPerMinute", "3");
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, PeerAddress>());
    }
}

/// <summary>
/// The in-memory test server has no TCP peer; this sets the one a request "comes from" (from a
/// test header), before the app's own pipeline runs, as a socket would.
/// </summary>
internal sealed class PeerAddress : IStartupFilter
{
    public const string Header = "X-Test-Peer-Address";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Headers.TryGetValue(Header, out var peer) && IPAddress.TryParse(peer, out var address))
            {
                context.Connection.RemoteIpAddress = address;
                context.Request.Headers.Remove(Header);
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}
