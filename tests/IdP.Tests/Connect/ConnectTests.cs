using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Text.Json;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Seeding;
using KeyPortal.IdP.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace KeyPortal.IdP.Tests.Connect;

/// <summary>The OpenID Connect endpoints, driven over HTTP like a relying party and a browser would.</summary>
[Collection(SharedIdp.Name)]
public sealed class ConnectTests(IdpHost host) : IAsyncLifetime
{
    /// <summary>A person of each test's own on the shared host, so no account meets its sign-in limit.</summary>
    private string Owner { get; set; } = "";

    public async Task InitializeAsync() => Owner = await host.NewPersonAsync(roles: MemberRoles.Owner);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Discovery_advertises_code_flow_with_S256_only()
    {
        using var client = host.CreateClient();
        using var discovery = JsonDocument.Parse(await client.GetStringAsync(new Uri("/.well-known/openid-configuration", UriKind.Relative)));
        var root = discovery.RootElement;

        Assert.Equal(IdpHost.Issuer, root.GetProperty("issuer").GetString());
        Assert.Equal(["S256"], root.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["code"], root.GetProperty("response_types_supported").EnumerateArray().Select(e => e.GetString()));
        var grants = root.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("authorization_code", grants);
        Assert.Contains("refresh_token", grants);
        Assert.Contains("client_credentials", grants);
        Assert.DoesNotContain("implicit", grants);
        Assert.DoesNotContain("password", grants);
        foreach (var endpoint in new[] { "token_endpoint", "userinfo_endpoint", "introspection_endpoint", "revocation_endpoint", "end_session_endpoint", "jwks_uri" })
        {
            Assert.StartsWith(IdpHost.Issuer, root.GetProperty(endpoint).GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Client_credentials_token_is_an_RFC9068_JWT_that_validates_against_the_JWKS()
    {
        using var browser = new OidcBrowser(host);
        var (status, body) = await browser.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-client",
            ["client_secret"] = "demo-secret",
            ["scope"] = "api",
        });
        Assert.Equal(HttpStatusCode.OK, status);
        var accessToken = body.GetProperty("access_token").GetString()!;

        // An independent validator: Microsoft.IdentityModel's discovery client and JWT handler.
        var configuration = await new ConfigurationManager<OpenIdConnectConfiguration>(
            IdpHost.Issuer + ".well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(browser.Http) { RequireHttps = false }).GetConfigurationAsync(CancellationToken.None);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(accessToken, new TokenValidationParameters
        {
            ValidIssuer = IdpHost.Issuer,
            ValidAudience = "urn:keyportal:api",
            IssuerSigningKeys = configuration.SigningKeys,
            ValidTypes = ["at+jwt"],
        });

        Assert.True(result.IsValid, result.Exception?.Message);
        var token = (JsonWebToken)result.SecurityToken;
        Assert.Equal("RS256", token.Alg);
        Assert.Equal("at+jwt", token.Typ);
        Assert.Equal("demo-client", token.GetClaim("client_id").Value);
        Assert.Equal("demo-client", token.Subject);
        Assert.False(string.IsNullOrEmpty(token.Id));
        Assert.True(token.ValidTo > token.IssuedAt);
        Assert.Contains(configuration.SigningKeys, key => key is ECDsaSecurityKey);
    }

    [Fact]
    public async Task Client_credentials_with_a_wrong_secret_is_refused_even_right_after_the_right_one()
    {
        using var browser = new OidcBrowser(host);
        var (rightStatus, _) = await browser.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-client",
            ["client_secret"] = "demo-secret",
        });
        Assert.Equal(HttpStatusCode.OK, rightStatus);

        var (status, body) = await browser.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-client",
            ["client_secret"] = "not-the-secret",
        });

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Code_flow_issues_id_and_access_tokens_with_the_users_claims()
    {
        using var browser = new OidcBrowser(host);
        var code = await browser.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword);
        var (status, body) = await browser.RedeemCodeAsync(code);

        Assert.Equal(HttpStatusCode.OK, status);
        var idToken = new JsonWebToken(body.GetProperty("id_token").GetString());
        var accessToken = new JsonWebToken(body.GetProperty("access_token").GetString());
        Assert.Equal(Owner, idToken.GetClaim("email").Value);
        Assert.Equal("nonce-456", idToken.GetClaim("nonce").Value);
        Assert.Equal("pwd", idToken.GetClaim("amr").Value);
        Assert.False(string.IsNullOrEmpty(idToken.GetClaim("sid").Value));
        Assert.Equal(idToken.Subject, accessToken.Subject);
        Assert.Equal("at+jwt", accessToken.Typ);
        // No api scope asked for: the token is for userinfo only, not for the portal API.
        Assert.DoesNotContain("urn:keyportal:api", accessToken.Audiences);
        Assert.Equal("portal", accessToken.GetClaim("client_id").Value);
        Assert.False(accessToken.TryGetClaim("ks:stamp", out _), "The security stamp must never leave the IdP.");
        Assert.False(idToken.TryGetClaim("ks:stamp", out _), "The security stamp must never leave the IdP.");

        // The access and refresh tokens are stored (revocable one by one); the identity token is not.
        await using var db = host.Database.CreateContext();
        var stored = await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken>()
            .Where(t => t.Subject == idToken.Subject).Select(t => t.Type).ToListAsync();
        Assert.Contains(OpenIddict.Abstractions.OpenIddictConstants.TokenTypeIdentifiers.AccessToken, stored);
        Assert.Contains(OpenIddict.Abstractions.OpenIddictConstants.TokenTypeIdentifiers.RefreshToken, stored);
        Assert.DoesNotContain(OpenIddict.Abstractions.OpenIddictConstants.TokenTypeIdentifiers.IdentityToken, stored);
    }

    [Fact]
    public async Task Code_cannot_be_redeemed_with_a_wrong_verifier_or_twice()
    {
        using var browser = new OidcBrowser(host);
        var code = await browser.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword);

        var (wrongStatus, wrong) = await browser.RedeemCodeAsync(code, verifier: OidcBrowser.Base64Url(new byte[32]));
        Assert.Equal(HttpStatusCode.BadRequest, wrongStatus);
        Assert.Equal("invalid_grant", wrong.GetProperty("error").GetString());

        using var second = new OidcBrowser(host);
        var code2 = await second.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword);
        var (okStatus, _) = await second.RedeemCodeAsync(code2);
        var (againStatus, again) = await second.RedeemCodeAsync(code2);
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Equal(HttpStatusCode.BadRequest, againStatus);
        Assert.Equal("invalid_grant", again.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Refresh_tokens_rotate_and_a_reused_one_revokes_the_whole_grant()
    {
        using var browser = new OidcBrowser(host);
        var (_, tokens) = await browser.RedeemCodeAsync(await browser.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword));
        var first = tokens.GetProperty("refresh_token").GetString()!;

        var (rotatedStatus, rotated) = await browser.RefreshAsync(first);
        Assert.Equal(HttpStatusCode.OK, rotatedStatus);
        var second = rotated.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(first, second);
        var accessToken = rotated.GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await UserInfoStatusAsync(browser, accessToken));

        // Reuse of the first (after the leeway, which tests set to zero): theft is assumed.
        var (reuseStatus, reuse) = await browser.RefreshAsync(first);
        Assert.Equal(HttpStatusCode.BadRequest, reuseStatus);
        Assert.Equal("invalid_grant", reuse.GetProperty("error").GetString());

        var (secondStatus, _) = await browser.RefreshAsync(second);
        Assert.Equal(HttpStatusCode.BadRequest, secondStatus);
        Assert.Equal(HttpStatusCode.Unauthorized, await UserInfoStatusAsync(browser, accessToken));
    }

    [Fact]
    public async Task Revoking_a_refresh_token_takes_effect_at_once()
    {
        using var browser = new OidcBrowser(host);
        var (_, tokens) = await browser.RedeemCodeAsync(await browser.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword));
        var refresh = tokens.GetProperty("refresh_token").GetString()!;

        using var revoke = await browser.Http.PostAsync(new Uri("/connect/revoke", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = refresh,
            ["token_type_hint"] = "refresh_token",
            ["client_id"] = "portal",
            ["client_secret"] = OidcBrowser.PortalSecret,
        }));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        var (status, body) = await browser.RefreshAsync(refresh);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Introspection_reports_a_live_token_active_and_a_revoked_one_inactive()
    {
        var email = await host.NewPersonAsync();
        using var browser = new OidcBrowser(host);
        var (_, tokens) = await browser.RedeemCodeAsync(await browser.AuthorizeWithPasswordAsync(email, DemoSeeder.DemoPassword));
        var accessToken = tokens.GetProperty("access_token").GetString()!;

        Assert.True((await browser.IntrospectAsync(accessToken, "portal", OidcBrowser.PortalSecret)).GetProperty("active").GetBoolean());

        using var revoke = await browser.Http.PostAsync(new Uri("/connect/revoke", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = accessToken,
            ["client_id"] = "portal",
            ["client_secret"] = OidcBrowser.PortalSecret,
        }));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.False((await browser.IntrospectAsync(accessToken, "portal", OidcBrowser.PortalSecret)).GetProperty("active").GetBoolean());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("plain")]
    public async Task Authorization_without_S256_PKCE_is_refused_on_an_IdP_page(string? method)
    {
        using var browser = new OidcBrowser(host);
        var challenge = method == "plain" ? browser.CodeVerifier : browser.CodeChallenge;
        using var response = await browser.Http.GetAsync(new Uri(OidcBrowser.AuthorizeUrl(challenge, method: method), UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/signin/request-error", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        using var page = await browser.Http.GetAsync(response.Headers.Location);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("This sign-in request is not valid", html, StringComparison.Ordinal);
        Assert.Contains("code_challenge", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_request_error_page_shows_no_text_from_the_address_bar()
    {
        using var client = host.CreateClient();
        using var response = await client.GetAsync(new Uri("/signin/request-error?e=Call%20+1-555-0100%20to%20unlock", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("555", html, StringComparison.Ordinal);
        Assert.Contains("invalid_request", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_uri_that_is_not_registered_is_never_redirected_to()
    {
        using var browser = new OidcBrowser(host);
        using var response = await browser.Http.GetAsync(new Uri(
            OidcBrowser.AuthorizeUrl(browser.CodeChallenge, redirectUri: "https://attacker.example/callback"), UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/signin/request-error", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain("attacker.example", response.Headers.Location.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ending_the_session_signs_out_and_kills_the_refresh_token()
    {
        using var browser = new OidcBrowser(host);
        var (_, tokens) = await browser.RedeemCodeAsync(await browser.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword));
        var sid = new JsonWebToken(tokens.GetProperty("id_token").GetString()).GetClaim("sid").Value;

        using var endSession = await browser.Http.GetAsync(new Uri(
            $"/connect/endsession?id_token_hint={tokens.GetProperty("id_token").GetString()}&post_logout_redirect_uri={Uri.EscapeDataString("http://localhost:5001/signout-callback-oidc")}",
            UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, endSession.StatusCode);
        Assert.StartsWith("http://localhost:5001/signout-callback-oidc", endSession.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);

        await using (var db = host.Database.CreateContext())
        {
            var session = await db.UserSessions.SingleAsync(s => s.Id == Guid.Parse(sid));
            Assert.NotNull(session.EndedAt);
        }

        var (status, _) = await browser.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, status);

        // The browser is signed out too: the next authorization asks for sign-in again.
        using var again = await browser.Http.GetAsync(new Uri(OidcBrowser.AuthorizeUrl(browser.CodeChallenge), UriKind.Relative));
        Assert.StartsWith("/signin", again.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Suspending_the_user_ends_the_IdP_session_and_the_refresh_token_at_once()
    {
        var email = await host.NewPersonAsync();
        using var browser = new OidcBrowser(host);
        var (_, tokens) = await browser.RedeemCodeAsync(await browser.AuthorizeWithPasswordAsync(email, DemoSeeder.DemoPassword));

        var accessToken = tokens.GetProperty("access_token").GetString()!;
        Assert.True((await browser.IntrospectAsync(accessToken, "portal", OidcBrowser.PortalSecret)).GetProperty("active").GetBoolean());
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Core.Persistence.PortalDbContext>();
            var user = await db.Users.SingleAsync(u => u.Email == email);
            await scope.ServiceProvider.GetRequiredService<Core.Users.UserAccountService>().SuspendAsync(Core.Auditing.AuditActor.System, user.Id, "test");
        }

        // The access token is revoked too: a resource server checking token entries refuses it now.
        Assert.False((await browser.IntrospectAsync(accessToken, "portal", OidcBrowser.PortalSecret)).GetProperty("active").GetBoolean());

        using var authorize = await browser.Http.GetAsync(new Uri(OidcBrowser.AuthorizeUrl(browser.CodeChallenge), UriKind.Relative));
        Assert.StartsWith("/signin", authorize.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var (status, body) = await browser.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, await UserInfoStatusAsync(browser, tokens.GetProperty("access_token").GetString()!));
    }

    private static async Task<HttpStatusCode> UserInfoStatusAsync(OidcBrowser browser, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/connect/userinfo", UriKind.Relative));
        request.Headers.Authorization = new("Bearer", accessToken);
        using var response = await browser.Http.SendAsync(request);
        return response.StatusCode;
    }

}
