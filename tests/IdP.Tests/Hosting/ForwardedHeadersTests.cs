using System.Net;
using KeyPortal.IdP.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Tests.Hosting;

/// <summary>
/// Behind a load balancer: a configured proxy passes the client's real address (rate limits and
/// the audit trail see it), and nobody else can choose the address they are counted under.
/// </summary>
public sealed class ForwardedHeadersTests(ClassHost own) : IClassFixture<ClassHost>
{
    /// <summary>One known proxy and one known proxy network, with a tight per-address limit.</summary>
    private const string Proxy = "10.0.0.5";

    private Task<IdpHost> StartAsync() => own.StartOnceAsync(o => o
        .Setting("ReverseProxy:KnownProxies:0", Proxy)
        .Setting("ReverseProxy:KnownNetworks:0", "10.20.0.0/16")
        .Setting("IdentityProvider:SignInAttemptsPerAddressPerMinute", "3")
        .PeerAddressFromHeader());

    [Fact]
    public async Task A_client_cannot_spoof_its_address_with_X_Forwarded_For()
    {
        var address = await FailedSignInAddressAsync(peer: "203.0.113.9", forwardedFor: "198.51.100.1");
        Assert.Equal("203.0.113.9", address);
    }

    [Fact]
    public async Task A_configured_proxy_passes_the_clients_real_address()
    {
        var address = await FailedSignInAddressAsync(peer: Proxy, forwardedFor: "198.51.100.7");
        Assert.Equal("198.51.100.7", address);
    }

    [Fact]
    public async Task A_proxy_in_a_configured_network_passes_it_too_and_the_limit_counts_each_client()
    {
        Assert.Equal("198.51.100.8", await FailedSignInAddressAsync(peer: "10.20.0.17", forwardedFor: "198.51.100.8"));

        // Many clients behind one proxy: each has its own per-address sign-in limit.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(Proxy, "198.51.100.20"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await SignInStatusAsync(Proxy, "198.51.100.20"));
        Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(Proxy, "198.51.100.21"));
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
        var host = await StartAsync();
        var email = $"nobody-{Guid.NewGuid():N}@contoso.example";
        Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(peer, forwardedFor, email));
        await using var db = host.Database.CreateContext();
        var entries = await db.AuditEntries.AsNoTracking().Where(a => a.Action == "signin.failed").OrderByDescending(a => a.Id).Take(1).ToListAsync();
        return Assert.Single(entries).ClientAddress;
    }

    private async Task<HttpStatusCode> SignInStatusAsync(string peer, string forwardedFor, string email = "someone@contoso.example")
    {
        var host = await StartAsync();
        using var browser = new OidcBrowser(host);
        browser.Http.DefaultRequestHeaders.Add(PeerAddress.Header, peer);
        browser.Http.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        using var response = await browser.SignInWithPasswordAsync(email, "wrong-password-123");
        return response.StatusCode;
    }
}
