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

        // The second request, with the secret verified, is answered in front of OpenIddict
        // (ClientCredentialsShortcut): signed with the same P-256 key, r‖s as JWS wants it.
        var (again, second) = await browser.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-client",
            ["client_secret"] = "demo-secret",
        });
        Assert.Equal(HttpStatusCode.OK, again);
        var first = new JsonWebToken(body.GetProperty("access_token").GetString());
        var token = new JsonWebToken(second.GetProperty("access_token").GetString());
        Assert.Equal((first.Alg, first.Kid, first.Typ), (token.Alg, token.Kid, token.Typ));
        var keys = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(jwks.RootElement.GetRawText()).Keys;
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token.EncodedToken, new Microsoft.IdentityModel.Tokens.TokenValidationParameters
        {
            ValidIssuer = IdpHost.Issuer,
            ValidAudience = IdpHost.Issuer,
            ValidTypes = ["at+jwt"],
            IssuerSigningKeys = keys,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
    }
}
