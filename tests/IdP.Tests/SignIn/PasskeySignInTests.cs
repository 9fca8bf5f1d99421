using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using KeyPortal.Core.Seeding;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Tests.Support;
using KeyPortal.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;

namespace KeyPortal.IdP.Tests.SignIn;

/// <summary>
/// Passkey registration (password → passkey migration) and sign-in through the IdP's JSON
/// endpoints, with a software authenticator answering for the browser.
/// </summary>
[Collection(SharedIdp.Name)]
public sealed class PasskeySignInTests(IdpHost host)
{
    private const string Origin = "http://localhost";

    [Fact]
    public async Task A_password_user_creates_a_passkey_loses_the_password_and_signs_in_with_the_key()
    {
        var email = await host.NewPersonAsync();
        using var authenticator = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid);
        using var browser = new OidcBrowser(host);
        await MigrateToPasskeyAsync(browser, authenticator, email);

        // Migrated: no password, the passkey stored, the password session ended.
        var user = await LoadUserAsync(email);
        Assert.Null(user.PasswordHash);
        Assert.False(user.TwoFactorEnabled);
        await using (var db = host.Database.CreateContext())
        {
            Assert.Equal(1, await db.PasskeyCredentials.CountAsync(p => p.UserId == user.Id));
            Assert.Contains(await db.UserSessions.Where(s => s.UserId == user.Id).ToListAsync(), s => s.EndReason == "passkey created");
            Assert.Contains(await db.AuditEntries.Where(a => a.TargetUserId == user.Id).Select(a => a.Action).ToListAsync(), a => a == "passkey.registered");
        }

        using var passwordAgain = await browser.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword);
        Assert.Equal(HttpStatusCode.OK, passwordAgain.StatusCode);

        // Sign in with the key through the authorization endpoint, as the Portal would.
        var authorize = OidcBrowser.AuthorizeUrl(browser.CodeChallenge);
        using var challenge = await browser.Http.GetAsync(new Uri(authorize, UriKind.Relative));
        Assert.StartsWith("/signin", challenge.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var redirect = await SignInWithPasskeyAsync(browser, authenticator, email, authorize);
        Assert.Equal(authorize, redirect);

        using var code = await browser.Http.GetAsync(new Uri(authorize, UriKind.Relative));
        var location = code.Headers.Location!.AbsoluteUri;
        Assert.StartsWith(OidcBrowser.PortalRedirect, location, StringComparison.Ordinal);
        var (status, tokens) = await browser.RedeemCodeAsync(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(location).Query)["code"]!);
        Assert.Equal(HttpStatusCode.OK, status);
        var idToken = new JsonWebToken(tokens.GetProperty("id_token").GetString());
        Assert.Equal(["hwk", "mfa"], idToken.GetPayloadValue<string[]>("amr"));
        Assert.Equal(user.Id.ToString(), idToken.Subject);
    }

    [Fact]
    public async Task A_synced_passkey_is_refused_with_the_reason()
    {
        using var authenticator = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid) { BackupEligible = true, BackedUp = true };
        using var browser = new OidcBrowser(host);
        using var signedIn = await browser.SignInWithPasswordAsync("owner@northwind.example", DemoSeeder.DemoPassword);
        var token = await TokenFromAsync(browser, signedIn.Headers.Location!.OriginalString);

        var start = await PostAsync(browser, "/signin/passkey/register/options", new { }, token);
        var attestation = authenticator.CreateAttestationJson(start.GetProperty("options").GetRawText(), Origin);
        using var response = await PostRawAsync(browser, "/signin/passkey/register/complete",
            new { ceremonyId = start.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(attestation) }, token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("synced", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
        var user = await LoadUserAsync("owner@northwind.example");
        Assert.NotNull(user.PasswordHash);
        Assert.Equal(UserState.ActiveDemo, user.State);
    }

    [Fact]
    public async Task Unknown_addresses_get_options_shaped_like_real_ones_with_stable_made_up_credentials()
    {
        using var browser = new OidcBrowser(host);
        var token = await TokenFromAsync(browser, "/signin");

        var first = await PostAsync(browser, "/signin/passkey/options", new { email = "no-such-person@contoso.example" }, token);
        var second = await PostAsync(browser, "/signin/passkey/options", new { email = "no-such-person@contoso.example" }, token);
        var real = await PostAsync(browser, "/signin/passkey/options", new { email = "owner@contoso.example" }, token);

        var decoys = first.GetProperty("options").GetProperty("allowCredentials");
        Assert.InRange(decoys.GetArrayLength(), 1, 2);
        Assert.Equal(decoys.GetRawText(), second.GetProperty("options").GetProperty("allowCredentials").GetRawText());
        Assert.Equal(
            real.GetProperty("options").EnumerateObject().Select(p => p.Name).Order(),
            first.GetProperty("options").EnumerateObject().Select(p => p.Name).Order());
        Assert.NotEqual(first.GetProperty("options").GetProperty("challenge").GetString(), second.GetProperty("options").GetProperty("challenge").GetString());
    }

    [Fact]
    public async Task Decoys_have_the_count_length_and_transports_of_real_credentials_and_share_no_bytes()
    {
        var email = await host.NewPersonAsync();
        using var authenticator = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid);
        using (var migrating = new OidcBrowser(host))
        {
            await MigrateToPasskeyAsync(migrating, authenticator, email);
        }

        using var browser = new OidcBrowser(host);
        var token = await TokenFromAsync(browser, "/signin");
        var real = (await PostAsync(browser, "/signin/passkey/options", new { email = email }, token))
            .GetProperty("options").GetProperty("allowCredentials")[0];
        var realLength = Convert.FromBase64String(Pad(real.GetProperty("id").GetString()!)).Length;
        var counts = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            var decoys = (await PostAsync(browser, "/signin/passkey/options", new { email = $"nobody-{i}@contoso.example" }, token))
                .GetProperty("options").GetProperty("allowCredentials");
            counts.Add(decoys.GetArrayLength());
            var ids = decoys.EnumerateArray().Select(d => Convert.FromBase64String(Pad(d.GetProperty("id").GetString()!))).ToList();
            foreach (var decoy in decoys.EnumerateArray())
            {
                Assert.Equal(real.GetProperty("transports").GetRawText(), decoy.GetProperty("transports").GetRawText());
                Assert.Equal(real.EnumerateObject().Select(p => p.Name), decoy.EnumerateObject().Select(p => p.Name));
            }

            Assert.All(ids, id => Assert.Equal(realLength, id.Length));
            if (ids.Count == 2)
            {
                Assert.False(ids[0].AsSpan(ids[0].Length - 8).SequenceEqual(ids[1].AsSpan(ids[1].Length - 8)), "Two decoys share their last bytes.");
                Assert.False(ids[0].AsSpan(0, 8).SequenceEqual(ids[1].AsSpan(0, 8)), "Two decoys share their first bytes.");
            }
        }

        Assert.Contains(1, counts);
        Assert.Contains(2, counts);
    }

    private static string Pad(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
    }

    [Fact]
    public async Task A_suspended_user_with_a_valid_passkey_gets_the_generic_failure()
    {
        var email = await host.NewPersonAsync();
        using var authenticator = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid);
        using var browser = new OidcBrowser(host);
        await MigrateToPasskeyAsync(browser, authenticator, email);
        await using (var db = host.Database.CreateContext())
        {
            var user = await db.Users.SingleAsync(u => u.Email == email);
            user.TransitionTo(UserState.Suspended, DateTimeOffset.UtcNow);
            await db.SaveChangesAsync();
        }

        var token = await TokenFromAsync(browser, "/signin");
        var start = await PostAsync(browser, "/signin/passkey/options", new { email = email }, token);
        var assertion = authenticator.CreateAssertionJson(start.GetProperty("options").GetRawText(), Origin);
        using var suspended = await PostRawAsync(browser, "/signin/passkey/complete",
            new { ceremonyId = start.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(assertion), returnUrl = "/" }, token);

        var forgedStart = await PostAsync(browser, "/signin/passkey/options", new { email = "owner@contoso.example" }, token);
        using var stranger = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid);
        using var forged = await PostRawAsync(browser, "/signin/passkey/complete",
            new { ceremonyId = forgedStart.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(assertion), returnUrl = "/" }, token);

        Assert.Equal(HttpStatusCode.BadRequest, suspended.StatusCode);
        Assert.Equal(forged.StatusCode, suspended.StatusCode);
        Assert.Equal(await forged.Content.ReadAsStringAsync(), await suspended.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_operators_password_session_cannot_enrol_a_passkey()
    {
        using var browser = new OidcBrowser(host);
        using var signedIn = await browser.SignInWithPasswordAsync("operator@keyportal.example", DemoSeeder.DemoPassword);
        Assert.StartsWith("/signin/create-passkey", signedIn.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var token = await TokenFromAsync(browser, signedIn.Headers.Location.OriginalString);

        // A phished password plus the attacker's own key must not become a console session.
        using var options = await PostRawAsync(browser, "/signin/passkey/register/options", new { }, token);
        Assert.Equal(HttpStatusCode.Forbidden, options.StatusCode);
        Assert.Contains("Operators", await options.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var onAccount = await PostRawAsync(browser, "/account/passkeys/options", new { }, token);
        Assert.Equal(HttpStatusCode.Forbidden, onAccount.StatusCode);
        await using var db = host.Database.CreateContext();
        var operatorId = await db.Users.Where(u => u.Email == "operator@keyportal.example").Select(u => u.Id).SingleAsync();
        Assert.False(await db.WebAuthnCeremonies.AnyAsync(c => c.UserId == operatorId));
    }

    [Fact]
    public async Task The_passkey_created_page_shows_no_text_from_the_address_bar()
    {
        using var client = host.CreateClient();
        var html = await client.GetStringAsync(new Uri("/signin/passkey-created?name=Call%20%2B1-555-0100%20now&key=forged", UriKind.Relative));

        Assert.DoesNotContain("555", html, StringComparison.Ordinal);
        Assert.Contains("We saved your passkey", html, StringComparison.Ordinal);
    }

    private async Task<string> StoredPasskeyNameAsync(string email)
    {
        await using var db = host.Database.CreateContext();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        return await db.PasskeyCredentials.Where(p => p.UserId == userId).OrderByDescending(p => p.CreatedAt).Select(p => p.Name).FirstAsync();
    }

    [Fact]
    public async Task Passkey_endpoints_refuse_requests_without_the_antiforgery_token()
    {
        using var browser = new OidcBrowser(host);
        await TokenFromAsync(browser, "/signin");
        using var response = await PostRawAsync(browser, "/signin/passkey/options", new { email = "owner@contoso.example" }, token: "");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task MigrateToPasskeyAsync(OidcBrowser browser, SoftwareAuthenticator authenticator, string email)
    {
        using var signedIn = await browser.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword);
        Assert.StartsWith("/signin/create-passkey", signedIn.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var token = await TokenFromAsync(browser, signedIn.Headers.Location.OriginalString);

        var start = await PostAsync(browser, "/signin/passkey/register/options", new { }, token);
        var attestation = authenticator.CreateAttestationJson(start.GetProperty("options").GetRawText(), Origin);
        var done = await PostAsync(browser, "/signin/passkey/register/complete",
            new { ceremonyId = start.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(attestation), returnUrl = "/" }, token);
        var created = done.GetProperty("redirect").GetString()!;
        Assert.StartsWith("/signin/passkey-created", created, StringComparison.Ordinal);
        var stored = await StoredPasskeyNameAsync(email);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(stored), await browser.Http.GetStringAsync(new Uri(created, UriKind.Relative)), StringComparison.Ordinal);

        // The password session is over: the user must prove the new key.
        using var authorize = await browser.Http.GetAsync(new Uri(OidcBrowser.AuthorizeUrl(browser.CodeChallenge), UriKind.Relative));
        Assert.StartsWith("/signin", authorize.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    private static async Task<string> SignInWithPasskeyAsync(OidcBrowser browser, SoftwareAuthenticator authenticator, string email, string returnUrl)
    {
        var token = await TokenFromAsync(browser, "/signin");
        var start = await PostAsync(browser, "/signin/passkey/options", new { email }, token);
        var allowed = start.GetProperty("options").GetProperty("allowCredentials");
        Assert.Equal(1, allowed.GetArrayLength());
        var assertion = authenticator.CreateAssertionJson(start.GetProperty("options").GetRawText(), Origin);
        var done = await PostAsync(browser, "/signin/passkey/complete",
            new { ceremonyId = start.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(assertion), returnUrl }, token);
        return done.GetProperty("redirect").GetString()!;
    }

    private static async Task<string> TokenFromAsync(OidcBrowser browser, string page) =>
        OidcBrowser.AntiforgeryToken(await browser.Http.GetStringAsync(new Uri(page, UriKind.Relative)));

    private static async Task<JsonElement> PostAsync(OidcBrowser browser, string path, object body, string token)
    {
        using var response = await PostRawAsync(browser, path, body, token);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<HttpResponseMessage> PostRawAsync(OidcBrowser browser, string path, object body, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) };
        request.Headers.Add("RequestVerificationToken", token);
        return await browser.Http.SendAsync(request);
    }

    private async Task<User> LoadUserAsync(string email)
    {
        await using var db = host.Database.CreateContext();
        return await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
    }
}
