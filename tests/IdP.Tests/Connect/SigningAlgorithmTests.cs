using System.Net;
using KeyPortal.IdP.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;

namespace KeyPortal.IdP.Tests.Connect;

/// <summary>The identity provider configured to sign with ES256.</summary>
public sealed class IdpSigningEs256Factory : IdpFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("IdentityProvider:Signing:Algorithm", "ES256");
    }
}

public sealed class SigningAlgorithmTests(IdpSigningEs256Factory factory) : IClassFixture<IdpSigningEs256Factory>
{
    [Fact]
    public async Task ES256_signs_new_tokens_while_the_RSA_key_stays_published()
    {
        using var browser = new OidcBrowser(factory);
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
