using System.Net;
using KeyPortal.IdP.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace KeyPortal.IdP.Tests.Connect;

/// <summary>
/// Client applications are remembered across requests (for speed); a change to a client must
/// still take effect at once. Its own factory, since it rotates the demo client's secret.
/// </summary>
public sealed class ClientCacheTests(ClientCacheTests.Factory factory) : IClassFixture<ClientCacheTests.Factory>
{
    public sealed class Factory : IdpFactory;

    [Fact]
    public async Task A_rotated_client_secret_takes_effect_at_once()
    {
        using var browser = new OidcBrowser(factory);
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(browser, "demo-secret"));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(browser, "demo-secret"));

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var client = await applications.FindByClientIdAsync("demo-client") ?? throw new InvalidOperationException("No demo client.");
            var descriptor = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(descriptor, client);
            descriptor.ClientSecret = "rotated-secret";
            await applications.UpdateAsync(client, descriptor);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(browser, "demo-secret"));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(browser, "rotated-secret"));
    }

    [Fact]
    public async Task An_unknown_client_is_refused_every_time()
    {
        using var browser = new OidcBrowser(factory);
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

    private static async Task<HttpStatusCode> TokenStatusAsync(OidcBrowser browser, string secret)
    {
        var (status, _) = await browser.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-client",
            ["client_secret"] = secret,
            ["scope"] = "api",
        });
        return status;
    }
}
