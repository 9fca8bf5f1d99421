using System.Net;
using KeyPortal.IdP.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

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
        var clientId = await CopyOfDemoClientAsync("copy-secret");
        using var browser = new OidcBrowser(host);
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(browser, clientId, "copy-secret"));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(browser, clientId, "copy-secret"));

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var client = await applications.FindByClientIdAsync(clientId) ?? throw new InvalidOperationException("No copied client.");
            var descriptor = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(descriptor, client);
            descriptor.ClientSecret = "rotated-secret";
            await applications.UpdateAsync(client, descriptor);
        }

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

    /// <summary>A new client with the demo client's permissions and <paramref name="secret"/>.</summary>
    private async Task<string> CopyOfDemoClientAsync(string secret)
    {
        var clientId = $"copy-{Guid.NewGuid():N}";
        await using var scope = host.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var demo = await applications.FindByClientIdAsync("demo-client") ?? throw new InvalidOperationException("No demo client.");
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, demo);
        descriptor.ClientId = clientId;
        descriptor.ClientSecret = secret;
        descriptor.DisplayName = clientId;
        await applications.CreateAsync(descriptor);
        return clientId;
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
