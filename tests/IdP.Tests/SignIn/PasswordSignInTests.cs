using System.Net;
using System.Text.RegularExpressions;
using KeyPortal.Core.Seeding;
using KeyPortal.IdP.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Tests.SignIn;

[Collection(SharedIdp.Name)]
public sealed partial class PasswordSignInTests(IdpHost host)
{
    private const string GenericFailure = "We couldn&#x27;t sign you in with those details.";

    public static TheoryData<string, string> RefusedSignIns() => new()
    {
        { "nobody@contoso.example", DemoSeeder.DemoPassword },            // unknown account
        { "admin@contoso.example", "wrong-password-123" },               // wrong password
        { "suspended@contoso.example", DemoSeeder.DemoPassword },        // right password, suspended
        { "pending@contoso.example", DemoSeeder.DemoPassword },          // pending, no password yet
        { "reset@contoso.example", DemoSeeder.DemoPassword },            // reset
        { "former@contoso.example", DemoSeeder.DemoPassword },           // deactivated
    };

    [Theory]
    [MemberData(nameof(RefusedSignIns))]
    public async Task Every_refusal_gets_the_same_page_and_no_session(string email, string password)
    {
        using var browser = new OidcBrowser(host);
        using var response = await browser.SignInWithPasswordAsync(email, password);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains(GenericFailure, html, StringComparison.Ordinal);
        Assert.Equal(Normalize(await ReferenceFailurePageAsync()), Normalize(html));
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("KeyPortal.IdP=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_refused_sign_in_is_audited_with_its_real_reason()
    {
        using var browser = new OidcBrowser(host);
        using var response = await browser.SignInWithPasswordAsync("suspended@contoso.example", DemoSeeder.DemoPassword);

        await using var db = host.Database.CreateContext();
        var entry = await db.AuditEntries.Where(a => a.Action == "signin.failed").OrderByDescending(a => a.Id).FirstAsync();
        Assert.Contains("Suspended", entry.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_for_the_right_one()
    {
        var email = await host.NewPersonAsync();
        using var browser = new OidcBrowser(host);
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await browser.SignInWithPasswordAsync(email, $"wrong-{i}");
            Assert.Contains(GenericFailure, await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var right = await browser.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains(GenericFailure, await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_password_sign_in_is_offered_a_passkey_and_may_skip_it_before_the_cutoff()
    {
        var email = await host.NewPersonAsync();
        using var browser = new OidcBrowser(host);
        using var response = await browser.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword, "/connect/authorize?x=1");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var interstitial = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/signin/create-passkey", interstitial, StringComparison.Ordinal);
        var html = await browser.Http.GetStringAsync(new Uri(interstitial, UriKind.Relative));
        Assert.Contains("id=\"create-passkey\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"not-now\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_account_gets_ten_attempts_per_five_minutes_whether_or_not_it_exists()
    {
        using var browser = new OidcBrowser(host);
        for (var i = 0; i < 10; i++)
        {
            using var refused = await browser.SignInWithPasswordAsync("throttled@contoso.example", $"guess-{i}");
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        }

        using var throttled = await browser.SignInWithPasswordAsync("throttled@contoso.example", "guess-10");
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Contains("Too many sign-in attempts", await throttled.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_post_only_with_an_antiforgery_token()
    {
        using var browser = new OidcBrowser(host);
        using var response = await browser.Http.PostAsync(new Uri("/signin/password", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = "admin@contoso.example",
            ["Password"] = DemoSeeder.DemoPassword,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<string> ReferenceFailurePageAsync()
    {
        using var browser = new OidcBrowser(host);
        using var response = await browser.SignInWithPasswordAsync("someone-else@contoso.example", "whatever-password");
        return await response.Content.ReadAsStringAsync();
    }

    // The pages differ only in the anti-forgery token and the echoed email.
    private static string Normalize(string html) =>
        EmailValue().Replace(TokenValue().Replace(html, "TOKEN"), "EMAIL");

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]+\"")]
    private static partial Regex TokenValue();

    [GeneratedRegex("name=\"Email\" value=\"[^\"]*\"")]
    private static partial Regex EmailValue();
}

/// <summary>The identity provider after the password cut-off date.</summary>
public sealed class PasswordCutoffTests
{
    [Fact]
    public async Task After_the_cutoff_a_password_only_leads_to_creating_a_passkey()
    {
        await using var host = await IdpHost.StartAsync(o => o.Setting("IdentityProvider:PasswordSignInCutoff", "2020-01-01T00:00:00Z"));
        using var browser = new OidcBrowser(host);
        var authorize = OidcBrowser.AuthorizeUrl(browser.CodeChallenge);
        using var signedIn = await browser.SignInWithPasswordAsync("admin@contoso.example", DemoSeeder.DemoPassword, authorize);
        Assert.StartsWith("/signin/create-passkey", signedIn.Headers.Location!.OriginalString, StringComparison.Ordinal);

        var interstitial = await browser.Http.GetStringAsync(signedIn.Headers.Location);
        Assert.Contains("id=\"cutoff-notice\"", interstitial, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"not-now\"", interstitial, StringComparison.Ordinal);

        // The authorization endpoint does not issue a code for this session.
        using var code = await browser.Http.GetAsync(new Uri(authorize, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, code.StatusCode);
        Assert.StartsWith("/signin/create-passkey", code.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }
}

/// <summary>The identity provider with a per-address limit of three sign-in posts a minute.</summary>
public sealed class SignInAddressLimitTests
{
    [Fact]
    public async Task One_address_is_limited_across_accounts()
    {
        await using var host = await IdpHost.StartAsync(o => o.Setting("IdentityProvider:SignInAttemptsPerAddressPerMinute", "3"));
        using var browser = new OidcBrowser(host);
        for (var i = 0; i < 3; i++)
        {
            using var refused = await browser.SignInWithPasswordAsync($"person{i}@contoso.example", "guess");
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        }

        using var limited = await browser.SignInWithPasswordAsync("person3@contoso.example", "guess");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
    }
}
