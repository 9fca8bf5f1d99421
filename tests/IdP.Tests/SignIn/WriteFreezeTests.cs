using System.Net;
using KeyPortal.Core.Seeding;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.SignIn;

/// <summary>
/// Bursts that used to stop every write of the process for good (a write turn never given back
/// after a concurrency conflict): afterwards tokens are still issued at once and the instance is ready.
/// </summary>
[Collection(SharedIdp.Name)]
public sealed class WriteFreezeTests(IdpHost host)
{
    private const int Burst = 50;
    private static readonly TimeSpan BurstBound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Parallel_wrong_codes_passwords_and_refresh_reuses_leave_token_issuance_working()
    {
        var passwordUser = await host.NewPersonAsync();
        var refreshUser = await host.NewPersonAsync();
        var lastUser = await host.NewPersonAsync();
        var totpUser = await host.NewPersonAsync();

        // 50 wrong authenticator codes for one account at once.
        await TotpSignIn.EnableAsync(host, totpUser);
        using (var browser = new OidcBrowser(host))
        {
            var codeForm = await TotpSignIn.PasswordStepAsync(browser, totpUser);
            var codes = Enumerable.Range(0, Burst).Select(i => TotpSignIn.PostCodeAsync(browser, codeForm, $"{i:D6}"));
            await Task.WhenAll(codes).WaitAsync(BurstBound);
        }

        // 50 wrong passwords for one account at once.
        using (var browser = new OidcBrowser(host))
        {
            var passwords = Enumerable.Range(0, Burst).Select(async i =>
            {
                using var response = await browser.SignInWithPasswordAsync(passwordUser, $"wrong-password-{i}");
                return response.StatusCode;
            });
            await Task.WhenAll(passwords).WaitAsync(BurstBound);
        }

        // 50 reuses of one redeemed refresh token at once.
        using (var browser = new OidcBrowser(host))
        {
            var code = await browser.AuthorizeWithPasswordAsync(refreshUser, DemoSeeder.DemoPassword);
            var (_, tokens) = await browser.RedeemCodeAsync(code);
            var refreshToken = tokens.GetProperty("refresh_token").GetString()!;
            var (rotated, _) = await browser.RefreshAsync(refreshToken);
            Assert.Equal(HttpStatusCode.OK, rotated);
            var reuses = Enumerable.Range(0, Burst).Select(_ => browser.RefreshAsync(refreshToken));
            var answers = await Task.WhenAll(reuses).WaitAsync(BurstBound);
            Assert.All(answers, answer => Assert.Equal(HttpStatusCode.BadRequest, answer.Status));
        }

        // Token issuance (a write: the token entry) answers within a second.
        using var client = new OidcBrowser(host);
        var (status, body) = await client.TokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-client",
            ["client_secret"] = "demo-secret",
        }).WaitAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("access_token").GetString()));

        // A sign-in (session and audit writes) still completes, and the instance is ready.
        using var signIn = new OidcBrowser(host);
        var next = await signIn.AuthorizeWithPasswordAsync(lastUser, DemoSeeder.DemoPassword).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(string.IsNullOrEmpty(next));
        using var ready = await client.Http.GetAsync(new Uri("/health/ready", UriKind.Relative)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}

/// <summary>Legacy password + authenticator-app sign-in, step by step.</summary>
internal static class TotpSignIn
{
    /// <summary>Gives the account a fresh authenticator key, turns codes on, and returns the key.</summary>
    public static async Task<string> EnableAsync(IdpHost host, string email)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var user = (await users.FindByEmailAsync(email))!;
        await users.ResetAuthenticatorKeyAsync(user);
        await users.SetTwoFactorEnabledAsync(user, true);
        return (await users.GetAuthenticatorKeyAsync(user))!;
    }

    /// <summary>Posts the right password and returns the anti-forgery token of the code form that follows.</summary>
    public static async Task<string> PasswordStepAsync(OidcBrowser browser, string email)
    {
        using var response = await browser.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("name=\"Code\"", html, StringComparison.Ordinal);
        return OidcBrowser.AntiforgeryToken(html);
    }

    public static async Task<HttpResponseMessage> PostCodeAsync(OidcBrowser browser, string antiforgery, string code) =>
        await browser.Http.PostAsync(new Uri("/signin/password", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Code"] = code,
            ["ReturnUrl"] = "/",
            ["__RequestVerificationToken"] = antiforgery,
        }));
}
