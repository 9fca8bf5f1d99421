using System.Net;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Seeding;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Tests.Support;
using KeyPortal.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Tests.Links;

/// <summary>Account reset and password reset links, from the Owner's action to the person's new credential.</summary>
[Collection(SharedIdp.Name)]
public sealed class ResetPageTests(IdpHost host)
{
    [Fact]
    public async Task A_reset_account_confirms_the_code_gets_a_second_email_and_registers_a_new_passkey_passwordless()
    {
        var email = await host.NewPersonAsync();
        var reset = await host.ResetUserAsync(email);
        var resetLink = (await host.Mailbox.NextAsync(email, "account was reset")).Link("http://localhost/reset/");
        using var browser = new LinkBrowser(host);

        var opened = await browser.OpenAsync(resetLink);
        Assert.Equal(HttpStatusCode.OK, opened.Status);
        Assert.Contains("was reset", opened.Html, StringComparison.Ordinal);
        await browser.SubmitAsync("SendCode");
        var code = (await host.Mailbox.NextAsync(email, "code")).Code();
        var confirmed = await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = code });
        Assert.Equal(HttpStatusCode.OK, confirmed.Status);
        Assert.True(confirmed.Shows("activation-sent"));

        // The reset link is used up; the second email carries the activation link, code already confirmed.
        Assert.Equal(HttpStatusCode.Gone, (await browser.OpenAsync(resetLink)).Status);
        var activation = (await host.Mailbox.NextAsync(email, "Register your new security key")).Link("http://localhost/activate/");
        var passkeyStep = await browser.OpenAsync(activation);
        Assert.True(passkeyStep.Shows("activate-passkey"));
        Assert.False(passkeyStep.Shows("send-code"));
        Assert.False(passkeyStep.Shows("onboarding-password"));

        using var authenticator = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid);
        Assert.Equal("http://localhost:5001/", await ActivationPageTests.RegisterPasskeyAsync(browser, activation, authenticator));

        await using var db = host.Database.CreateContext();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == reset.UserId);
        Assert.Equal(UserState.Active, user.State);
        Assert.Null(user.PasswordHash);
        Assert.Equal(1, await db.PasskeyCredentials.CountAsync(p => p.UserId == user.Id));
        using var password = await browser.Oidc.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword);
        Assert.Contains("couldn&#x27;t sign you in", await password.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reset_link_opened_on_the_activation_page_is_not_valid_there()
    {
        var (email, userId, link) = await host.InviteNewPersonAsync();
        using (var activating = new LinkBrowser(host))
        using (var authenticator = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid))
        {
            await host.ConfirmCodeAsync(activating, email, link);
            await ActivationPageTests.RegisterPasskeyAsync(activating, link, authenticator);
        }

        await host.ResetUserAsync(email);
        var resetLink = (await host.Mailbox.NextAsync(email, "account was reset")).Link("http://localhost/reset/");
        using var browser = new LinkBrowser(host);

        var page = await browser.OpenAsync(resetLink.AbsolutePath.Replace("/reset/", "/activate/", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.Contains("This link is not valid", page.Html, StringComparison.Ordinal);
        await using var db = host.Database.CreateContext();
        Assert.True(await db.AuditEntries.AnyAsync(a => a.TargetUserId == userId.UserId && a.Action == "invitation.refused"
            && a.Details.Contains("AccountReset link on the Activation page")));
    }

    [Fact]
    public async Task A_password_reset_link_sets_a_new_password_once_and_signs_out_everywhere()
    {
        var email = await host.NewPersonAsync(roles: MemberRoles.Auditor);
        const string newPassword = "A-new-password-2026";
        using var signedIn = new LinkBrowser(host);
        using (await signedIn.Oidc.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword))
        {
        }

        await host.ResetPasswordAsync(email);
        var link = (await host.Mailbox.NextAsync(email, "Set a new password")).Link("http://localhost/password-reset/");
        using var browser = new LinkBrowser(host);
        var form = await browser.OpenAsync(link);
        Assert.True(form.Shows("password-form"));

        var mismatch = await browser.SubmitAsync(null, new Dictionary<string, string> { ["Password"] = newPassword, ["ConfirmPassword"] = newPassword + "x" });
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.Status);
        var weak = await browser.SubmitAsync(null, new Dictionary<string, string> { ["Password"] = "abc", ["ConfirmPassword"] = "abc" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.Status);
        Assert.True(weak.Shows("step-error"));
        var done = await browser.SubmitAsync(null, new Dictionary<string, string> { ["Password"] = newPassword, ["ConfirmPassword"] = newPassword });
        Assert.Equal(HttpStatusCode.OK, done.Status);
        Assert.True(done.Shows("password-changed"));

        Assert.Equal(HttpStatusCode.Gone, (await browser.OpenAsync(link)).Status);
        await using (var db = host.Database.CreateContext())
        {
            var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
            Assert.Equal(0, await db.UserSessions.CountAsync(s => s.UserId == user.Id && s.EndedAt == null));
        }

        // The session from before the reset is over; the old password fails, the new one works.
        using var account = await signedIn.Http.GetAsync(new Uri("/signin/create-passkey", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, account.StatusCode);
        using var old = await browser.Oidc.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword);
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        using var fresh = await browser.Oidc.SignInWithPasswordAsync(email, newPassword);
        Assert.Equal(HttpStatusCode.Redirect, fresh.StatusCode);
    }
}
