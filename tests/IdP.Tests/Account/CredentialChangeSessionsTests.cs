using System.Net;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Seeding;
using KeyPortal.IdP.Tests.Links;
using KeyPortal.IdP.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Tests.Account;

/// <summary>
/// A credential change ends every other session and token of the account: a thief signed in
/// elsewhere (or holding a refresh token) loses access when the owner changes the password or
/// turns authenticator codes on; the session that made the change goes on.
/// </summary>
[Collection(SharedIdp.Name)]
public sealed class CredentialChangeSessionsTests(IdpHost host)
{
    [Fact]
    public async Task Changing_the_password_ends_the_other_sessions_and_their_refresh_tokens()
    {
        var email = await host.NewPersonAsync();
        var (thief, refreshToken) = await SignedInElsewhereAsync(email);
        using (thief)
        using (var owner = new LinkBrowser(host))
        {
            using (await owner.Oidc.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword))
            {
            }

            await owner.OpenAsync("/account");
            var changed = await owner.SubmitAsync("ChangePassword", new Dictionary<string, string>
            {
                ["CurrentPassword"] = DemoSeeder.DemoPassword,
                ["NewPassword"] = "Another-Password-2026",
                ["ConfirmPassword"] = "Another-Password-2026",
            });
            Assert.Equal(HttpStatusCode.OK, changed.Status);

            await AssertCutOffAsync(thief, refreshToken, email);
            Assert.Equal(HttpStatusCode.OK, (await owner.OpenAsync("/account")).Status);
        }
    }

    [Fact]
    public async Task Turning_authenticator_codes_on_ends_the_other_sessions_and_their_refresh_tokens()
    {
        var email = await host.NewPersonAsync(roles: MemberRoles.Auditor);
        var (thief, refreshToken) = await SignedInElsewhereAsync(email);
        using (thief)
        using (var owner = new LinkBrowser(host))
        {
            using (await owner.Oidc.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword))
            {
            }

            await owner.OpenAsync("/account");
            var setup = await owner.SubmitAsync("StartTotp", new Dictionary<string, string> { ["CurrentPassword"] = DemoSeeder.DemoPassword });
            var key = System.Text.RegularExpressions.Regex.Match(setup.Html, "id=\"totp-key\">([A-Z2-7]+)<").Groups[1].Value;
            var blob = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(setup.Html, "name=\"TotpSetup\" value=\"([^\"]+)\"").Groups[1].Value);
            var on = await owner.SubmitAsync("ConfirmTotp", new Dictionary<string, string> { ["TotpSetup"] = blob, ["TotpCode"] = Totp.Code(key, DateTimeOffset.UtcNow) });
            Assert.True(on.Shows("disable-totp"));

            await AssertCutOffAsync(thief, refreshToken, email);
            Assert.Equal(HttpStatusCode.OK, (await owner.OpenAsync("/account")).Status);
        }
    }

    /// <summary>A browser signed in to the portal client with a refresh token, as another device would be.</summary>
    private async Task<(OidcBrowser Browser, string RefreshToken)> SignedInElsewhereAsync(string email)
    {
        var browser = new OidcBrowser(host);
        var code = await browser.AuthorizeWithPasswordAsync(email, DemoSeeder.DemoPassword);
        var (status, tokens) = await browser.RedeemCodeAsync(code);
        Assert.Equal(HttpStatusCode.OK, status);
        return (browser, tokens.GetProperty("refresh_token").GetString()!);
    }

    private async Task AssertCutOffAsync(OidcBrowser thief, string refreshToken, string email)
    {
        var (refreshed, _) = await thief.RefreshAsync(refreshToken);
        Assert.Equal(HttpStatusCode.BadRequest, refreshed);
        using var account = await thief.Http.GetAsync(new Uri("/account", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, account.StatusCode);
        Assert.Equal("/signin", account.Headers.Location!.AbsolutePath);

        await using var db = host.Database.CreateContext();
        var normalized = email.ToUpperInvariant();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.NormalizedEmail == normalized);
        var open = await db.UserSessions.AsNoTracking().Where(s => s.UserId == user.Id && s.EndedAt == null).ToListAsync();
        var only = Assert.Single(open);
        Assert.Equal(user.SecurityStamp, only.SecurityStamp);
    }
}
