using System.Net;
using System.Text.Json;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Seeding;
using KeyPortal.IdP.Tests.Support;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;

namespace KeyPortal.IdP.Tests.Connect;

/// <summary>
/// OpenID Connect rules an independent relying party checks: sessions bound the lifetime of
/// refresh tokens, end-session needs proof of the session, auth_time, max_age and prompt.
/// </summary>
[Collection(SharedIdp.Name)]
public sealed class ConformanceTests(IdpHost host) : IAsyncLifetime
{
    /// <summary>
    /// People of each test's own, on the shared host: the per-account sign-in limit (10 per 5
    /// minutes from one address) holds in tests too.
    /// </summary>
    private string Owner { get; set; } = "";

    private string Auditor { get; set; } = "";

    public async Task InitializeAsync()
    {
        Owner = await host.NewPersonAsync(roles: MemberRoles.Owner);
        Auditor = await host.NewPersonAsync(roles: MemberRoles.Auditor);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_refresh_is_refused_once_the_session_passed_its_absolute_lifetime()
    {
        using var browser = new OidcBrowser(host);
        var (_, tokens) = await browser.RedeemCodeAsync(await browser.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword));
        var sid = Guid.Parse(new JsonWebToken(tokens.GetProperty("id_token").GetString()).GetClaim("sid").Value);
        await using (var db = host.Database.CreateContext())
        {
            var session = await db.UserSessions.SingleAsync(s => s.Id == sid);
            Assert.Null(session.EndedAt);
            session.AbsoluteExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1);
            await db.SaveChangesAsync();
        }

        var (status, body) = await browser.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_refresh_token_expires_no_later_than_its_session()
    {
        using var browser = new OidcBrowser(host);
        var (_, tokens) = await browser.RedeemCodeAsync(await browser.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword));
        var sid = Guid.Parse(new JsonWebToken(tokens.GetProperty("id_token").GetString()).GetClaim("sid").Value);
        DateTimeOffset sessionEnd;
        await using (var db = host.Database.CreateContext())
        {
            sessionEnd = (await db.UserSessions.SingleAsync(s => s.Id == sid)).AbsoluteExpiresAt;
        }

        var (_, refreshed) = await browser.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        foreach (var refresh in new[] { tokens.GetProperty("refresh_token").GetString()!, refreshed.GetProperty("refresh_token").GetString()! }.Skip(1))
        {
            using var response = await browser.Http.PostAsync(new Uri("/connect/introspect", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["token"] = refresh,
                ["client_id"] = "portal",
                ["client_secret"] = OidcBrowser.PortalSecret,
            }));
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(json.RootElement.GetProperty("active").GetBoolean());
            var expires = DateTimeOffset.FromUnixTimeSeconds(json.RootElement.GetProperty("exp").GetInt64());
            // Without the cap a refresh token lives 14 days; the session at most 12 hours.
            Assert.True(expires <= sessionEnd.AddSeconds(1), $"refresh token expires {expires:O}, session {sessionEnd:O}");
        }
    }

    [Fact]
    public async Task A_bare_end_session_link_asks_first_and_ends_nothing()
    {
        using var browser = new OidcBrowser(host);
        var (_, tokens) = await browser.RedeemCodeAsync(await browser.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword));
        var sid = Guid.Parse(new JsonWebToken(tokens.GetProperty("id_token").GetString()).GetClaim("sid").Value);
        var endSession = "/connect/endsession?client_id=portal&post_logout_redirect_uri=" + Uri.EscapeDataString("http://localhost:5001/signout-callback-oidc");

        // What an <img src> on another site would do.
        using var bare = await browser.Http.GetAsync(new Uri(endSession, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        var confirm = bare.Headers.Location!.OriginalString;
        Assert.StartsWith("/signout?ReturnUrl=", confirm, StringComparison.Ordinal);
        Assert.Null(await EndedAtAsync(sid));
        var (refreshStatus, refreshed) = await browser.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, refreshStatus);

        // A forged POST of the confirmation page has no anti-forgery token.
        using var forged = await browser.Http.PostAsync(new Uri(confirm, UriKind.Relative), new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Null(await EndedAtAsync(sid));

        // The person confirms: signed out, and sent on to the client's registered address.
        var page = await browser.Http.GetStringAsync(new Uri(confirm, UriKind.Relative));
        using var confirmed = await browser.Http.PostAsync(new Uri(confirm, UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ReturnUrl"] = QueryHelpers.ParseQuery(new Uri("http://x" + confirm).Query)["ReturnUrl"].ToString(),
            ["__RequestVerificationToken"] = OidcBrowser.AntiforgeryToken(page),
        }));
        Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        Assert.NotNull(await EndedAtAsync(sid));
        using var resumed = await browser.Http.GetAsync(confirmed.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, resumed.StatusCode);
        Assert.StartsWith("http://localhost:5001/signout-callback-oidc", resumed.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        var (afterStatus, _) = await browser.RefreshAsync(refreshed.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, afterStatus);
    }

    [Fact]
    public async Task An_id_token_hint_of_another_session_does_not_end_this_one()
    {
        var someoneElse = await host.NewPersonAsync();
        using var other = new OidcBrowser(host);
        var (_, otherTokens) = await other.RedeemCodeAsync(await other.AuthorizeWithPasswordAsync(someoneElse, DemoSeeder.DemoPassword));
        using var browser = new OidcBrowser(host);
        var (_, tokens) = await browser.RedeemCodeAsync(await browser.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword));
        var sid = Guid.Parse(new JsonWebToken(tokens.GetProperty("id_token").GetString()).GetClaim("sid").Value);

        using var response = await browser.Http.GetAsync(new Uri(
            "/connect/endsession?id_token_hint=" + otherTokens.GetProperty("id_token").GetString(), UriKind.Relative));

        Assert.StartsWith("/signout?ReturnUrl=", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Null(await EndedAtAsync(sid));
    }

    [Fact]
    public async Task The_id_token_carries_auth_time_after_a_max_age_request()
    {
        using var browser = new OidcBrowser(host);
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await browser.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword);

        using var authorize = await browser.Http.GetAsync(new Uri(OidcBrowser.AuthorizeUrl(browser.CodeChallenge) + "&max_age=3600", UriKind.Relative));
        Assert.StartsWith(OidcBrowser.PortalRedirect, authorize.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        var (_, tokens) = await browser.RedeemCodeAsync(QueryHelpers.ParseQuery(authorize.Headers.Location.Query)["code"].ToString());

        var idToken = new JsonWebToken(tokens.GetProperty("id_token").GetString());
        Assert.True(idToken.TryGetPayloadValue<long>("auth_time", out var authTime), "auth_time missing from the id_token");
        Assert.InRange(authTime, before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Max_age_zero_forces_a_new_sign_in_even_in_the_same_second()
    {
        using var browser = new OidcBrowser(host);
        await browser.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword);

        using var authorize = await browser.Http.GetAsync(new Uri(OidcBrowser.AuthorizeUrl(browser.CodeChallenge) + "&max_age=0", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        Assert.StartsWith("/signin", authorize.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain("max_age", Uri.UnescapeDataString(authorize.Headers.Location.OriginalString), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("consent")]
    [InlineData("select_account")]
    public async Task Prompt_values_without_a_screen_are_neither_advertised_nor_answered_with_a_code(string prompt)
    {
        using var client = host.CreateClient();
        using var discovery = JsonDocument.Parse(await client.GetStringAsync(new Uri("/.well-known/openid-configuration", UriKind.Relative)));
        var advertised = discovery.RootElement.GetProperty("prompt_values_supported").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.DoesNotContain(prompt, advertised);
        Assert.Contains("login", advertised);
        Assert.Contains("none", advertised);

        using var browser = new OidcBrowser(host);
        await browser.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword);
        using var authorize = await browser.Http.GetAsync(new Uri(OidcBrowser.AuthorizeUrl(browser.CodeChallenge) + "&prompt=" + prompt, UriKind.Relative));

        // Refused as an invalid request on an IdP page: no code, no silent success.
        Assert.StartsWith("/signin/request-error", authorize.Headers.Location!.OriginalString, StringComparison.Ordinal);
        using var page = await browser.Http.GetAsync(authorize.Headers.Location);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains("prompt", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_access_token_is_for_the_portal_API_only_when_the_api_scope_was_granted()
    {
        using var browser = new OidcBrowser(host);
        var (_, withApi) = await browser.RedeemCodeAsync(await browser.AuthorizeWithPasswordAsync(Owner, DemoSeeder.DemoPassword, "openid email api"));
        Assert.Contains("urn:keyportal:api", new JsonWebToken(withApi.GetProperty("access_token").GetString()).Audiences);

        var (_, machine) = await browser.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-client",
            ["client_secret"] = "demo-secret",
        });
        var userinfoOnly = new JsonWebToken(machine.GetProperty("access_token").GetString());
        Assert.DoesNotContain("urn:keyportal:api", userinfoOnly.Audiences);
        Assert.Equal([IdpHost.Issuer], userinfoOnly.Audiences);

        // Naming the API as a resource without the api scope does not make a token for it.
        var (_, named) = await browser.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-client",
            ["client_secret"] = "demo-secret",
            ["resource"] = "urn:keyportal:api",
        });
        if (named.TryGetProperty("access_token", out var token))
        {
            Assert.DoesNotContain("urn:keyportal:api", new JsonWebToken(token.GetString()).Audiences);
        }
        else
        {
            Assert.Equal("invalid_target", named.GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task Prompt_login_ends_the_session_it_replaces_once_the_person_signed_in_again()
    {
        using var browser = new OidcBrowser(host);
        var (_, tokens) = await browser.RedeemCodeAsync(await browser.AuthorizeWithPasswordAsync(Auditor, DemoSeeder.DemoPassword));
        var sid = Guid.Parse(new JsonWebToken(tokens.GetProperty("id_token").GetString()).GetClaim("sid").Value);

        // What a forged link does: the browser must sign in again, but no app loses its session.
        var prompt = OidcBrowser.AuthorizeUrl(browser.CodeChallenge) + "&prompt=login";
        using var again = await browser.Http.GetAsync(new Uri(prompt, UriKind.Relative));
        Assert.StartsWith("/signin", again.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Null(await EndedAtAsync(sid));

        // The same person signs in again: the set-aside session ends with it, and its tokens.
        using (await browser.SignInWithPasswordAsync(Auditor, DemoSeeder.DemoPassword, prompt))
        {
        }

        Assert.NotNull(await EndedAtAsync(sid));
        var (status, _) = await browser.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    private async Task<DateTimeOffset?> EndedAtAsync(Guid sid)
    {
        await using var db = host.Database.CreateContext();
        return (await db.UserSessions.AsNoTracking().SingleAsync(s => s.Id == sid)).EndedAt;
    }
}
