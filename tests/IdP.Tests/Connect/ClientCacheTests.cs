using System.Net;
using KeyPortal.IdP.Tests.Support;

namespace KeyPortal.IdP.Tests.Connect;

/// <summary>
/// Client applications are remembered across requests (for speed); a change to a client must
/// still take effect at once. The secret rotated is that of a copy of the demo client, so the
/// other tests on the shared host keep theirs.
/// </summary>
[Collection(SharedIdp.Name)]
public sealed class ClientCacheTests(IdpHost host)
{
    [Fact]
    public async Task A_rotated_client_secret_takes_effect_at_once()
    {
        var clientId = await host.CopyOfDemoClientAsync("copy-secret");
        using var browser = new OidcBrowser(host);
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(browser, clientId, "copy-secret"));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(browser, clientId, "copy-secret"));

        await host.RotateSecretAsync(clientId, "rotated-secret");

        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(browser, clientId, "copy-secret"));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(browser, clientId, "rotated-secret"));
    }

    [Fact]
    public async Task An_unknown_client_is_refused_every_time()
    {
        using var browser = new OidcBrowser(host);
        for (var i = 0; i < 3; i++)
        {
            var (status, body) = await browser.TokenAsync(new()
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = "no-such-client",
                ["client_secret"] = "demo-secret",
            });
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        }
    }

    private static async Task<HttpStatusCode> TokenStatusAsync(OidcBrowser browser, string clientId, string secret)
    {
        var (status, _) = await browser.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = "api",
        });
        return status;
    }
}
