using System.Net;
using System.Text.Json.Nodes;
using KeyPortal.IdP.Tests.Links;
using KeyPortal.IdP.Tests.Support;
using KeyPortal.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Tests.Account;

/// <summary>Credential changes need a recent authentication; an old one is renewed by confirming with a passkey.</summary>
public sealed class RecentAuthenticationTests(ClassHost own) : IClassFixture<ClassHost>
{
    /// <summary>A short recent-authentication window, so the tests can watch it expire.</summary>
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    private Task<IdpHost> StartAsync() => own.StartOnceAsync(o => o.Setting("IdentityProvider:RecentAuthenticationWindow", Window.ToString()));

    [Fact]
    public async Task An_old_sign_in_must_confirm_with_a_passkey_before_a_change()
    {
        var host = await StartAsync();
        var (email, invited, link) = await host.InviteNewPersonAsync();
        using var browser = new LinkBrowser(host);
        await host.ConfirmCodeAsync(browser, email, link);
        using var key = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid);
        await ActivationPageTests.RegisterPasskeyAsync(browser, link, key);
        Guid passkeyId;
        await using (var db = host.Database.CreateContext())
        {
            passkeyId = await db.PasskeyCredentials.Where(p => p.UserId == invited.UserId).Select(p => p.Id).SingleAsync();
        }

        await Task.Delay(Window + TimeSpan.FromSeconds(1.5));
        var page = await browser.OpenAsync("/account");
        Assert.True(page.Shows("reverify"));
        var refused = await browser.SubmitAsync("Rename", new Dictionary<string, string> { ["PasskeyId"] = passkeyId.ToString(), ["Name"] = "Office key" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("confirm it&#x27;s you", refused.Html, StringComparison.Ordinal);
        var addRefused = await browser.PostJsonAsync("/account/passkeys/options", new { });
        Assert.Equal(HttpStatusCode.Forbidden, addRefused.Status);
        Assert.True(addRefused.Body.GetProperty("reverify").GetBoolean());

        var start = await browser.PostJsonAsync("/account/reverify/options", new { });
        var assertion = key.CreateAssertionJson(start.Body.GetProperty("options").GetRawText(), "http://localhost");
        var (status, _) = await browser.PostJsonAsync("/account/reverify/complete",
            new { ceremonyId = start.Body.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(assertion) });
        Assert.Equal(HttpStatusCode.OK, status);

        await browser.OpenAsync("/account");
        var renamed = await browser.SubmitAsync("Rename", new Dictionary<string, string> { ["PasskeyId"] = passkeyId.ToString(), ["Name"] = "Office key" });
        Assert.Equal(HttpStatusCode.OK, renamed.Status);
        Assert.Contains("Office key", renamed.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stale_password_session_cannot_register_a_key_that_would_replace_the_password()
    {
        var host = await StartAsync();
        using var browser = new LinkBrowser(host);
        using (await browser.Oidc.SignInWithPasswordAsync("auditor@contoso.example", Core.Seeding.DemoSeeder.DemoPassword))
        {
        }

        await Task.Delay(Window + TimeSpan.FromSeconds(1.5));
        var page = await browser.OpenAsync("/account");
        Assert.True(page.Shows("sign-in-again"));
        foreach (var path in new[] { "/signin/passkey/register/options", "/account/passkeys/options" })
        {
            var (status, body) = await browser.PostJsonAsync(path, new { });
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.False(body.GetProperty("reverify").GetBoolean());
        }

        await using var db = host.Database.CreateContext();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == "auditor@contoso.example");
        Assert.NotNull(user.PasswordHash);
        Assert.False(await db.WebAuthnCeremonies.AnyAsync(c => c.UserId == user.Id));
    }
}
