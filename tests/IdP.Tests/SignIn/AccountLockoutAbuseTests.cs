using System.Net;
using KeyPortal.Core.Seeding;
using KeyPortal.IdP.Tests.Support;

namespace KeyPortal.IdP.Tests.SignIn;

/// <summary>Somebody naming a victim's address cannot lock the victim out of signing in.</summary>
public sealed class AccountLockoutAbuseTests(ClassHost own) : IClassFixture<ClassHost>
{
    /// <summary>The IdP seeing each request's client address (a test header), with the per-account ceiling at 15.</summary>
    private Task<IdpHost> StartAsync() => own.StartOnceAsync(o => o
        .Setting("IdentityProvider:SignInAttemptsPerAccountCeilingPer5Minutes", "15")
        .PeerAddressFromHeader());

    [Fact]
    public async Task Ten_attempts_from_elsewhere_leave_the_owner_unthrottled()
    {
        const string victim = "admin@contoso.example";
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await PasswordStatusAsync("203.0.113.50", victim, $"guess-{i}"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await PasswordStatusAsync("203.0.113.50", victim, "guess-10"));

        // The owner, from their own address, is not throttled: email-first sign-in (passkeys)
        // answers, and the password page judges the password (after five wrong ones the
        // account's password lockout still holds for 15 minutes: passkeys are not affected).
        Assert.Equal(HttpStatusCode.OK, await PasswordStatusAsync("198.51.100.60", victim, DemoSeeder.DemoPassword));
        using var browser = await BrowserAsync("198.51.100.60");
        var token = OidcBrowser.AntiforgeryToken(await browser.Http.GetStringAsync(new Uri("/signin", UriKind.Relative)));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/signin/passkey/options", UriKind.Relative))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { email = victim }),
        };
        request.Headers.Add("RequestVerificationToken", token);
        using var options = await browser.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, options.StatusCode);
    }

    [Fact]
    public async Task Many_addresses_together_still_meet_a_ceiling_per_account()
    {
        const string target = "nobody-ceiling@contoso.example";
        for (var i = 0; i < 15; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await PasswordStatusAsync($"203.0.113.{100 + (i / 5)}", target, $"guess-{i}"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await PasswordStatusAsync("203.0.113.200", target, "guess-15"));
    }

    private async Task<OidcBrowser> BrowserAsync(string address)
    {
        var browser = new OidcBrowser(await StartAsync());
        browser.Http.DefaultRequestHeaders.Add(PeerAddress.Header, address);
        return browser;
    }

    private async Task<HttpStatusCode> PasswordStatusAsync(string address, string email, string password)
    {
        using var browser = await BrowserAsync(address);
        using var response = await browser.SignInWithPasswordAsync(email, password);
        return response.StatusCode;
    }
}
