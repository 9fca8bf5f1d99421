using System.Net;
using KeyPortal.IdP.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;

namespace KeyPortal.IdP.Tests.Connect;

/// <summary>The identity provider configured to sign with ES256.</summary>
public sealed class SigningAlgorithmTests
{
    [Fact]
    public async Task ES256_signs_new_tokens_while_the_RSA_key_stays_published()
    {
        await using var host = await IdpHost.StartAsync(o => o.Setting("IdentityProvider:Signing:Algorithm", "ES256"));
        using var browser = new OidcBrowser(host);
        var (status, body) = await browser.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-client",
            ["client_secret"] = "demo-secret",
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ES256", new JsonWebToken(body.GetProperty("access_token").GetString()).Alg);
        using var jwks = System.Text.Json.JsonDocument.Parse(await browser.Http.GetStringAsync(new Uri("/.well-known/jwks", UriKind.Relative)));
        var types = jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kty").GetString()).ToList();
        Assert.Contains("RSA", types);
        Assert.Contains("EC", types);
    }
}
