using System.Net;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Seeding;
using KeyPortal.IdP.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;

namespace KeyPortal.IdP.Tests.Connect;

/// <summary>
/// The <c>operator</c> scope of the console's management API: by client credentials only for the
/// configured automation client, in the code flow only for a signed-in platform operator.
/// </summary>
[Collection(SharedIdp.Name)]
public sealed class OperatorScopeTests(IdpHost host)
{
    private const string AdminRedirect = "http://localhost:5002/signin-oidc";

    private const string AdminSecret = "admin-development-secret";

    private static IEnumerable<string> ScopesOf(JsonWebToken token) =>
        token.Claims.Where(c => c.Type == "scope").SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public async Task The_automation_client_gets_an_operator_token_for_the_API_naming_itself()
    {
        using var browser = new OidcBrowser(host);

        var (status, body) = await browser.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "console-automation",
            ["client_secret"] = "console-automation-development-secret",
            ["scope"] = "operator",
        });

        Assert.Equal(HttpStatusCode.OK, status);
        var token = new JsonWebToken(body.GetProperty("access_token").GetString());
        Assert.Equal(["urn:keyportal:api"], token.Audiences);
        Assert.Equal("console-automation", token.Subject);
        Assert.Equal("console-automation", token.GetClaim("client_id").Value);
        Assert.Contains("operator", ScopesOf(token));
        Assert.False(token.TryGetClaim("sid", out _));
    }

    [Theory]
    [InlineData("demo-client", "demo-secret", "operator")]
    [InlineData("console-automation", "console-automation-development-secret", "api")]
    public async Task A_client_not_permitted_the_scope_is_refused_it(string clientId, string secret, string scope)
    {
        using var browser = new OidcBrowser(host);

        var (status, body) = await browser.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = scope,
        });

        // OpenIddict answers a scope the client is not permitted with invalid_request (ID2051).
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(body.GetProperty("error").GetString(), (string[])["invalid_request", "invalid_scope"]);
        Assert.False(body.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task The_automation_client_with_a_wrong_secret_gets_nothing()
    {
        using var browser = new OidcBrowser(host);

        var (status, body) = await browser.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "console-automation",
            ["client_secret"] = "not-the-secret",
            ["scope"] = "operator",
        });

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_refresh_after_the_operator_status_was_withdrawn_no_longer_carries_the_operator_scope()
    {
        var email = await host.NewPersonAsync(roles: MemberRoles.Owner);
        await SetOperatorAsync(email, true);
        using var browser = new OidcBrowser(host);
        var code = await browser.AuthorizeWithPasswordAsync(email, DemoSeeder.DemoPassword, "openid email offline_access operator", "admin", AdminRedirect);
        var (_, tokens) = await browser.RedeemCodeAsync(code, clientId: "admin", secret: AdminSecret, redirectUri: AdminRedirect);
        Assert.Contains("operator", ScopesOf(new JsonWebToken(tokens.GetProperty("access_token").GetString())));

        await SetOperatorAsync(email, false);
        var (status, refreshed) = await browser.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!, "admin", AdminSecret);

        Assert.Equal(HttpStatusCode.OK, status);
        var token = new JsonWebToken(refreshed.GetProperty("access_token").GetString());
        Assert.DoesNotContain("operator", ScopesOf(token));
        Assert.DoesNotContain("urn:keyportal:api", token.Audiences);
    }

    private async Task SetOperatorAsync(string email, bool isOperator)
    {
        await using var db = host.Database.CreateContext();
        var user = await db.Users.SingleAsync(u => u.Email == email);
        user.IsPlatformOperator = isOperator;
        await db.SaveChangesAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task In_the_code_flow_the_console_gets_the_operator_scope_only_for_a_platform_operator(bool isOperator)
    {
        var email = await host.NewPersonAsync(roles: MemberRoles.Owner);
        await SetOperatorAsync(email, isOperator);

        using var browser = new OidcBrowser(host);
        var code = await browser.AuthorizeWithPasswordAsync(email, DemoSeeder.DemoPassword, "openid email operator", "admin", AdminRedirect);
        var (status, body) = await browser.RedeemCodeAsync(code, clientId: "admin", secret: AdminSecret, redirectUri: AdminRedirect);

        Assert.Equal(HttpStatusCode.OK, status);
        var token = new JsonWebToken(body.GetProperty("access_token").GetString());
        if (isOperator)
        {
            Assert.Contains("operator", ScopesOf(token));
            Assert.Contains("urn:keyportal:api", token.Audiences);
        }
        else
        {
            // Asked for, not granted: the token is the person's, for userinfo only.
            Assert.DoesNotContain("operator", ScopesOf(token));
            Assert.DoesNotContain("urn:keyportal:api", token.Audiences);
        }
    }
}
