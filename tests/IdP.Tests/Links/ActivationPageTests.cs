using System.Net;
using System.Text.Json.Nodes;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Seeding;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Tests.Support;
using KeyPortal.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Tests.Links;

/// <summary>
/// The activation link from invitation email to signed-in account, over HTTP with the email
/// received by a real SMTP server and a software authenticator answering for the browser.
/// </summary>
[Collection(SharedIdp.Name)]
public sealed class ActivationPageTests(IdpHost host)
{
    private const string Origin = "http://localhost";

    [Fact]
    public async Task An_invited_person_confirms_the_emailed_code_registers_a_passkey_and_is_signed_in()
    {
        var (email, invited, link) = await host.InviteNewPersonAsync();
        using var browser = new LinkBrowser(host);

        var opened = await browser.OpenAsync(link);
        Assert.Equal(HttpStatusCode.OK, opened.Status);
        Assert.Contains("You were invited to <strong>Contoso</strong>", opened.Html, StringComparison.Ordinal);
        Assert.True(opened.Shows("send-code"));
        Assert.False(opened.Shows("activate-passkey"));
        Assert.Contains("no-store", await CacheControlAsync(browser, link), StringComparison.Ordinal);

        var sent = await browser.SubmitAsync("SendCode");
        Assert.True(sent.Shows("code-sent"));
        Assert.True(sent.Shows("code-form"));
        var code = (await host.Mailbox.NextAsync(email, "code")).Code();

        var confirmed = await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = code });
        Assert.Equal(HttpStatusCode.OK, confirmed.Status);
        Assert.True(confirmed.Shows("activate-passkey"));
        Assert.False(confirmed.Shows("onboarding-password"));

        using var authenticator = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid);
        var redirect = await RegisterPasskeyAsync(browser, link, authenticator);
        Assert.Equal("http://localhost:5001/", redirect);

        await using (var db = host.Database.CreateContext())
        {
            var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == invited.UserId);
            Assert.Equal(UserState.Active, user.State);
            Assert.Equal(1, await db.PasskeyCredentials.CountAsync(p => p.UserId == user.Id));
            Assert.NotNull((await db.Invitations.AsNoTracking().SingleAsync(i => i.Id == invited.InvitationId)).UsedAt);
            Assert.Equal(1, await db.UserSessions.CountAsync(s => s.UserId == user.Id && s.EndedAt == null));
            var actions = await db.AuditEntries.Where(a => a.TargetUserId == user.Id).Select(a => a.Action).ToListAsync();
            Assert.Contains("invitation.code_sent", actions);
            Assert.Contains("invitation.code_verified", actions);
            Assert.Contains("passkey.registered", actions);
            Assert.Contains("invitation.used", actions);
            Assert.Contains("signin.succeeded", actions);
        }

        // Signed in: the Portal's authorization request is answered without another sign-in.
        using var authorize = await browser.Http.GetAsync(new Uri(Support.OidcBrowser.AuthorizeUrl(browser.Oidc.CodeChallenge), UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        Assert.StartsWith(Support.OidcBrowser.PortalRedirect, authorize.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);

        // The link worked once.
        var again = await browser.OpenAsync(link);
        Assert.Equal(HttpStatusCode.Gone, again.Status);
        Assert.Contains("already used", again.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Three_wrong_codes_lock_the_link_for_every_browser_and_the_right_code_is_refused_too()
    {
        var (email, invited, link) = await host.InviteNewPersonAsync();
        using var browser = new LinkBrowser(host);
        var code = await host.RequestCodeAsync(browser, email, link);
        var wrong = code == "000000" ? "111111" : "000000";

        var first = await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = wrong });
        Assert.Equal(HttpStatusCode.BadRequest, first.Status);
        Assert.Contains("You have 2 tries left", first.Html, StringComparison.Ordinal);
        Assert.True(first.Shows("code-form"));
        var second = await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = wrong });
        Assert.Contains("You have 1 try left", second.Html, StringComparison.Ordinal);
        var third = await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = wrong });
        Assert.Equal(HttpStatusCode.Conflict, third.Status);
        // Said once, in the lock notice with the time left; not again in an error banner.
        Assert.Contains("locked for 15 more minutes", third.Html, StringComparison.Ordinal);
        Assert.True(third.Shows("code-locked"));
        Assert.False(third.Shows("step-error"));
        Assert.False(third.Shows("code-form"));

        // Another browser, the right code: still locked, and no new code is sent either.
        using var other = new LinkBrowser(host);
        var locked = await other.OpenAsync(link);
        Assert.True(locked.Shows("code-locked"));
        Assert.Contains("locked for 15 more minutes", locked.Html, StringComparison.Ordinal);
        var right = await other.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = code });
        Assert.Equal(HttpStatusCode.Conflict, right.Status);
        Assert.Contains("Too many wrong codes", right.Html, StringComparison.Ordinal);
        var resend = await other.SubmitAsync("SendCode");
        Assert.Equal(HttpStatusCode.Conflict, resend.Status);

        await using var db = host.Database.CreateContext();
        var invitation = await db.Invitations.AsNoTracking().SingleAsync(i => i.Id == invited.InvitationId);
        Assert.Equal(3, invitation.FailedAttempts);
        Assert.Null(invitation.CodeVerifiedAt);
        Assert.Equal(UserState.Pending, (await db.Users.AsNoTracking().SingleAsync(u => u.Id == invited.UserId)).State);
        var actions = await db.AuditEntries.Where(a => a.TargetUserId == invited.UserId).Select(a => a.Action).ToListAsync();
        Assert.Equal(2, actions.Count(a => a == "invitation.code_failed"));
        Assert.Contains("invitation.locked", actions);
        Assert.True(actions.Count(a => a == "invitation.refused") >= 2);
        await host.Database.AllMailSentAsync();
        Assert.Equal(1, host.Mailbox.All.Count(e => e.To == email && e.Subject.Contains("code", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // right shape, no such link
    [InlineData("BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")] // right length, trailing bits no encoder writes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.")] // right length, a character outside the alphabet
    [InlineData("not-a-token")]
    [InlineData("%3Cscript%3Ealert(1)%3C%2Fscript%3E")]
    public async Task A_forged_link_gets_a_clear_page_and_is_audited(string token)
    {
        using var browser = new LinkBrowser(host);
        var before = await CountAuditAsync("invitation.refused");

        var page = await browser.OpenAsync($"/activate/{token}");

        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.True(page.Shows("link-refused"));
        Assert.Contains("This link is not valid", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page.Html, StringComparison.Ordinal);
        Assert.False(page.Shows("send-code"));
        Assert.Equal(before + 1, await CountAuditAsync("invitation.refused"));

        var post = await browser.SubmitAsync("SendCode");
        Assert.Equal(HttpStatusCode.NotFound, post.Status);
        Assert.Equal(before + 2, await CountAuditAsync("invitation.refused"));
    }

    [Fact]
    public async Task A_resent_invitation_replaces_the_old_link_and_starts_unlocked()
    {
        var (email, invited, oldLink) = await host.InviteNewPersonAsync();
        using var browser = new LinkBrowser(host);
        await host.RequestCodeAsync(browser, email, oldLink);
        for (var i = 0; i < 3; i++)
        {
            await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = "99999" + i });
        }

        await host.ResendAsync(invited.UserId);
        var newLink = (await host.Mailbox.NextAsync(email, "Activate")).Link("http://localhost/activate/");

        var old = await browser.OpenAsync(oldLink);
        Assert.Equal(HttpStatusCode.Gone, old.Status);
        Assert.Contains("A newer email was sent to you", old.Html, StringComparison.Ordinal);
        var fresh = await browser.OpenAsync(newLink);
        Assert.Equal(HttpStatusCode.OK, fresh.Status);
        Assert.True(fresh.Shows("send-code"));
        Assert.False(fresh.Shows("code-locked"));
    }

    [Fact]
    public async Task An_expired_link_says_so_and_offers_nothing()
    {
        var (email, invited, link) = await host.InviteNewPersonAsync();
        await using (var db = host.Database.CreateContext())
        {
            await db.Invitations.Where(i => i.Id == invited.InvitationId)
                .ExecuteUpdateAsync(set => set.SetProperty(i => i.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
        }

        using var browser = new LinkBrowser(host);
        var page = await browser.OpenAsync(link);

        Assert.Equal(HttpStatusCode.Gone, page.Status);
        Assert.Contains("This link has expired", page.Html, StringComparison.Ordinal);
        Assert.False(page.Shows("send-code"));
        var post = await browser.SubmitAsync("SendCode");
        Assert.Equal(HttpStatusCode.Gone, post.Status);
        await host.Database.AllMailSentAsync();
        Assert.Equal(0, host.Mailbox.All.Count(e => e.To == email && e.Subject.Contains("code", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Someone_elses_session_following_the_link_is_refused_changes_nothing_and_is_audited()
    {
        var (email, invited, link) = await host.InviteNewPersonAsync();
        using var browser = new LinkBrowser(host);
        using (await browser.Oidc.SignInWithPasswordAsync("auditor@contoso.example", DemoSeeder.DemoPassword))
        {
        }

        var page = await browser.OpenAsync(link);
        Assert.Equal(HttpStatusCode.Forbidden, page.Status);
        Assert.Contains("You are signed in as <strong>auditor@contoso.example</strong>", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain(email, page.Html, StringComparison.Ordinal);
        Assert.True(page.Shows("signout-first"));
        var post = await browser.SubmitAsync("SendCode");
        Assert.Equal(HttpStatusCode.Forbidden, post.Status);
        var (status, _) = await browser.PostJsonAsync($"{link.AbsolutePath}/passkey/options", new { });
        Assert.Equal(HttpStatusCode.Forbidden, status);

        await using var db = host.Database.CreateContext();
        var invitation = await db.Invitations.AsNoTracking().SingleAsync(i => i.Id == invited.InvitationId);
        Assert.Null(invitation.CodeHash);
        var refusals = await db.AuditEntries.Where(a => a.TargetUserId == invited.UserId && a.Action == "invitation.refused").ToListAsync();
        Assert.True(refusals.Count >= 2);
        Assert.All(refusals, r => Assert.Equal("auditor@contoso.example", r.Actor));
        await host.Database.AllMailSentAsync();
        Assert.Equal(0, host.Mailbox.All.Count(e => e.To == email && e.Subject.Contains("code", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_passkey_step_and_the_password_step_are_refused_before_the_code_is_confirmed()
    {
        var (email, invited, link) = await host.InviteNewPersonAsync();
        using var browser = new LinkBrowser(host);
        await browser.OpenAsync(link);

        var (status, body) = await browser.PostJsonAsync($"{link.AbsolutePath}/passkey/options", new { });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("Confirm the code", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        var password = await browser.SubmitAsync("Password", new Dictionary<string, string> { ["Password"] = "Long-enough-pass-1", ["ConfirmPassword"] = "Long-enough-pass-1" });
        Assert.Equal(HttpStatusCode.Forbidden, password.Status);

        await using var db = host.Database.CreateContext();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == invited.UserId);
        Assert.Equal(UserState.Pending, user.State);
        Assert.Null(user.PasswordHash);
        Assert.False(await db.WebAuthnCeremonies.AnyAsync(c => c.UserId == invited.UserId));
    }

    [Fact]
    public async Task A_replayed_code_form_and_a_form_without_anti_forgery_token_change_nothing()
    {
        var (email, invited, link) = await host.InviteNewPersonAsync();
        using var browser = new LinkBrowser(host);
        var code = await host.RequestCodeAsync(browser, email, link);

        var forged = await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = "000001" }, antiforgery: false);
        Assert.Equal(HttpStatusCode.BadRequest, forged.Status);
        await using (var db = host.Database.CreateContext())
        {
            Assert.Equal(0, (await db.Invitations.AsNoTracking().SingleAsync(i => i.Id == invited.InvitationId)).FailedAttempts);
        }

        await browser.OpenAsync(link);
        await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = code });
        var replay = await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = code });
        Assert.Equal(HttpStatusCode.Conflict, replay.Status);
        Assert.Contains("already confirmed", replay.Html, StringComparison.Ordinal);
        Assert.True(replay.Shows("activate-passkey"));
        Assert.Equal(1, await CountAuditAsync("invitation.refused", invited.UserId));
    }

    [Fact]
    public async Task A_link_asks_for_at_most_five_codes_an_hour()
    {
        var (email, _, link) = await host.InviteNewPersonAsync();
        using var browser = new LinkBrowser(host);
        await browser.OpenAsync(link);
        for (var i = 0; i < 5; i++)
        {
            var sent = await browser.SubmitAsync("SendCode");
            Assert.True(sent.Shows("code-sent"), $"code request {i + 1}");
        }

        var refused = await browser.SubmitAsync("SendCode");
        Assert.Equal((HttpStatusCode)429, refused.Status);
        Assert.Contains("Too many codes were requested", refused.Html, StringComparison.Ordinal);
        await host.Database.AllMailSentAsync();
        Assert.Equal(5, host.Mailbox.All.Count(e => e.To == email && e.Subject.Contains("code", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_first_owner_of_a_new_organization_may_activate_with_a_password_into_demo_mode()
    {
        var email = $"founder-{Guid.NewGuid():N}@contoso.example";
        var onboarded = await host.OnboardAsync($"onb-{Guid.NewGuid():N}"[..20], email);
        var link = (await host.Mailbox.NextAsync(email, "Activate")).Link("http://localhost/activate/");
        using var browser = new LinkBrowser(host);
        var confirmed = await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = await host.RequestCodeAsync(browser, email, link) });
        Assert.True(confirmed.Shows("activate-passkey"));
        Assert.True(confirmed.Shows("onboarding-password"));

        var mismatch = await browser.SubmitAsync("Password", new Dictionary<string, string> { ["Password"] = "Long-enough-pass-1", ["ConfirmPassword"] = "Long-enough-pass-2" });
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.Status);
        Assert.Contains("not the same", mismatch.Html, StringComparison.Ordinal);
        var weak = await browser.SubmitAsync("Password", new Dictionary<string, string> { ["Password"] = "short", ["ConfirmPassword"] = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.Status);
        Assert.True(weak.Shows("step-error"));

        var done = await browser.SubmitAsync("Password", new Dictionary<string, string> { ["Password"] = "Long-enough-pass-1", ["ConfirmPassword"] = "Long-enough-pass-1" });
        Assert.Equal(HttpStatusCode.Redirect, done.Status);
        Assert.Equal("http://localhost:5001/", done.Html);

        await using var db = host.Database.CreateContext();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == onboarded.Owner.UserId);
        Assert.Equal(UserState.ActiveDemo, user.State);
        Assert.NotNull(user.PasswordHash);
        Assert.NotNull((await db.Invitations.AsNoTracking().SingleAsync(i => i.Id == onboarded.Owner.InvitationId)).UsedAt);
        Assert.Equal(1, await db.UserSessions.CountAsync(s => s.UserId == user.Id && s.EndedAt == null));
    }

    [Fact]
    public async Task An_ordinary_invitation_offers_no_password_and_refuses_one()
    {
        var (email, invited, link) = await host.InviteNewPersonAsync();
        using var browser = new LinkBrowser(host);
        await browser.OpenAsync(link);
        await browser.SubmitAsync("SendCode");
        var confirmed = await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = (await host.Mailbox.NextAsync(email, "code")).Code() });
        Assert.False(confirmed.Shows("onboarding-password"));

        var refused = await browser.SubmitAsync("Password", new Dictionary<string, string> { ["Password"] = "Long-enough-pass-1", ["ConfirmPassword"] = "Long-enough-pass-1" });

        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("Only the first Owner of a new organization", refused.Html, StringComparison.Ordinal);
        await using var db = host.Database.CreateContext();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == invited.UserId);
        Assert.Equal(UserState.Pending, user.State);
        Assert.Null(user.PasswordHash);
    }

    [Fact]
    public async Task A_refused_passkey_says_why_and_leaves_the_link_usable()
    {
        var (email, invited, link) = await host.InviteNewPersonAsync();
        using var browser = new LinkBrowser(host);
        await host.ConfirmCodeAsync(browser, email, link);

        using var synced = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid) { BackupEligible = true, BackedUp = true };
        var start = await browser.PostJsonAsync($"{link.AbsolutePath}/passkey/options", new { });
        Assert.Equal(HttpStatusCode.OK, start.Status);
        var attestation = synced.CreateAttestationJson(start.Body.GetProperty("options").GetRawText(), Origin);
        var (status, body) = await browser.PostJsonAsync($"{link.AbsolutePath}/passkey/complete",
            new { ceremonyId = start.Body.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(attestation) });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("synced", body.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
        await using (var db = host.Database.CreateContext())
        {
            Assert.Equal(UserState.Pending, (await db.Users.AsNoTracking().SingleAsync(u => u.Id == invited.UserId)).State);
            Assert.Null((await db.Invitations.AsNoTracking().SingleAsync(i => i.Id == invited.InvitationId)).UsedAt);
        }

        using var deviceBound = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid);
        Assert.Equal("http://localhost:5001/", await RegisterPasskeyAsync(browser, link, deviceBound));
    }

    [Fact]
    public async Task Two_passkey_completions_racing_on_one_link_register_one_key()
    {
        var (email, invited, link) = await host.InviteNewPersonAsync();
        using var browser = new LinkBrowser(host);
        await host.ConfirmCodeAsync(browser, email, link);
        using var first = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid);
        using var second = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid);
        var one = await browser.PostJsonAsync($"{link.AbsolutePath}/passkey/options", new { });
        var two = await browser.PostJsonAsync($"{link.AbsolutePath}/passkey/options", new { });

        var results = await Task.WhenAll(
            browser.PostJsonAsync($"{link.AbsolutePath}/passkey/complete", new
            {
                ceremonyId = one.Body.GetProperty("ceremonyId").GetGuid(),
                credential = JsonNode.Parse(first.CreateAttestationJson(one.Body.GetProperty("options").GetRawText(), Origin)),
            }),
            browser.PostJsonAsync($"{link.AbsolutePath}/passkey/complete", new
            {
                ceremonyId = two.Body.GetProperty("ceremonyId").GetGuid(),
                credential = JsonNode.Parse(second.CreateAttestationJson(two.Body.GetProperty("options").GetRawText(), Origin)),
            }));

        Assert.Single(results, r => r.Status == HttpStatusCode.OK);
        await using var db = host.Database.CreateContext();
        Assert.Equal(1, await db.PasskeyCredentials.CountAsync(p => p.UserId == invited.UserId));
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.TargetUserId == invited.UserId && a.Action == "invitation.used"));
    }

    internal static async Task<string> RegisterPasskeyAsync(LinkBrowser browser, Uri link, SoftwareAuthenticator authenticator)
    {
        var start = await browser.PostJsonAsync($"{link.AbsolutePath}/passkey/options", new { });
        Assert.Equal(HttpStatusCode.OK, start.Status);
        var attestation = authenticator.CreateAttestationJson(start.Body.GetProperty("options").GetRawText(), Origin);
        var (status, body) = await browser.PostJsonAsync($"{link.AbsolutePath}/passkey/complete",
            new { ceremonyId = start.Body.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(attestation) });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("redirect").GetString()!;
    }

    private static async Task<string?> CacheControlAsync(LinkBrowser browser, Uri link)
    {
        using var response = await browser.Http.GetAsync(link.PathAndQuery);
        return response.Headers.CacheControl?.ToString();
    }

    private async Task<int> CountAuditAsync(string action, Guid? userId = null)
    {
        await using var db = host.Database.CreateContext();
        return await db.AuditEntries.CountAsync(a => a.Action == action && (userId == null || a.TargetUserId == userId));
    }
}
