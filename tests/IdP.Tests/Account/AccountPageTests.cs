using System.Net;
using System.Text.Json.Nodes;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Seeding;
using KeyPortal.IdP.Tests.Links;
using KeyPortal.IdP.Tests.Support;
using KeyPortal.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Tests.Account;

/// <summary>Manage credentials over HTTP, with software authenticators as the user's security keys.</summary>
[Collection(SharedIdp.Name)]
public sealed class AccountPageTests(IdpHost host)
{
    private const string Origin = "http://localhost";

    [Fact]
    public async Task A_new_user_sees_their_key_by_model_marked_for_this_session_with_spare_key_advice()
    {
        var (browser, _, _) = await ActivatedAsync();
        using (browser)
        {
            var page = await browser.OpenAsync("/account");

            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.Contains("YubiKey 5 NFC / 5C NFC", page.Html, StringComparison.Ordinal);
            Assert.True(page.Shows("spare-key"));
            Assert.Contains("data-testid=\"this-session\"", page.Html, StringComparison.Ordinal);
            Assert.Contains("Device-bound", page.Html, StringComparison.Ordinal);
            Assert.False(page.Shows("change-password"));
            Assert.True(page.Shows("add-passkey"));
        }
    }

    [Fact]
    public async Task A_second_key_is_added_the_same_key_is_excluded_and_the_name_is_made_unique()
    {
        var (browser, first, userId) = await ActivatedAsync();
        using (browser)
        using (var spare = new SoftwareAuthenticator(SoftwareAuthenticator.YubiKey5NfcAaguid))
        {
            // Another device signed in to the same account: adding a credential ends it.
            Guid elsewhere;
            await using (var db = host.Database.CreateContext())
            {
                var stamp = await db.Users.Where(u => u.Id == userId).Select(u => u.SecurityStamp).SingleAsync();
                var now = DateTimeOffset.UtcNow;
                var other = new Core.Sessions.UserSession
                {
                    Id = Guid.CreateVersion7(), UserId = userId, AuthenticationMethods = "hwk", CreatedAt = now, LastSeenAt = now,
                    AbsoluteExpiresAt = now.AddHours(1), SecurityStamp = stamp,
                };
                db.UserSessions.Add(other);
                await db.SaveChangesAsync();
                elsewhere = other.Id;
            }

            await browser.OpenAsync("/account");
            var start = await browser.PostJsonAsync("/account/passkeys/options", new { });
            Assert.Equal(HttpStatusCode.OK, start.Status);
            var excluded = start.Body.GetProperty("options").GetProperty("excludeCredentials");
            Assert.Equal(1, excluded.GetArrayLength());
            Assert.Equal(OidcBrowserBase64Url(first.Credentials[0].Id), excluded[0].GetProperty("id").GetString());

            var attestation = spare.CreateAttestationJson(start.Body.GetProperty("options").GetRawText(), Origin);
            var (status, body) = await browser.PostJsonAsync("/account/passkeys/complete",
                new { ceremonyId = start.Body.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(attestation) });
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.StartsWith("/account?done=added", body.GetProperty("redirect").GetString(), StringComparison.Ordinal);

            var page = await browser.OpenAsync("/account");
            Assert.Contains("YubiKey 5 NFC / 5C NFC (2)", page.Html, StringComparison.Ordinal);
            await using (var db = host.Database.CreateContext())
            {
                Assert.NotNull((await db.UserSessions.AsNoTracking().SingleAsync(s => s.Id == elsewhere)).EndedAt);
            }

            Assert.False(page.Shows("spare-key"));
            Assert.Equal(2, await CountPasskeysAsync(userId));

            // The first key again: the browser would refuse it (excludeCredentials); the server does too.
            var again = await browser.PostJsonAsync("/account/passkeys/options", new { });
            var duplicate = first.CreateAttestationJson(again.Body.GetProperty("options").GetRawText(), Origin, first.Credentials[0].Id);
            var refused = await browser.PostJsonAsync("/account/passkeys/complete",
                new { ceremonyId = again.Body.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(duplicate) });
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Equal(2, await CountPasskeysAsync(userId));
        }
    }

    [Fact]
    public async Task Renaming_trims_refuses_bad_names_and_escapes_script()
    {
        var (browser, _, userId) = await ActivatedAsync();
        using (browser)
        {
            var passkeyId = await FirstPasskeyIdAsync(userId);
            await browser.OpenAsync("/account");

            Assert.Equal(HttpStatusCode.BadRequest, (await RenameAsync(browser, passkeyId, "   ")).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await RenameAsync(browser, passkeyId, new string('x', 65))).Status);
            var renamed = await RenameAsync(browser, passkeyId, "  <script>alert(1)</script> Desk key ");
            Assert.Equal(HttpStatusCode.OK, renamed.Status);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; Desk key", renamed.Html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script>alert(1)", renamed.Html, StringComparison.Ordinal);
            await using var db = host.Database.CreateContext();
            Assert.Equal("<script>alert(1)</script> Desk key", (await db.PasskeyCredentials.SingleAsync(p => p.Id == passkeyId)).Name);
            Assert.True(await db.AuditEntries.AnyAsync(a => a.TargetUserId == userId && a.Action == "passkey.renamed"));
        }
    }

    [Fact]
    public async Task The_last_passkey_of_a_passwordless_user_cannot_be_removed_and_another_users_passkey_is_not_found()
    {
        var (browser, _, userId) = await ActivatedAsync();
        var (other, _, otherId) = await ActivatedAsync();
        using (browser)
        using (other)
        {
            var mine = await FirstPasskeyIdAsync(userId);
            var theirs = await FirstPasskeyIdAsync(otherId);
            await browser.OpenAsync("/account");

            var last = await browser.SubmitAsync("Remove", new Dictionary<string, string> { ["PasskeyId"] = mine.ToString() });
            Assert.Equal(HttpStatusCode.Conflict, last.Status);
            Assert.Contains("Add another passkey first", last.Html, StringComparison.Ordinal);
            var foreign = await browser.SubmitAsync("Remove", new Dictionary<string, string> { ["PasskeyId"] = theirs.ToString() });
            Assert.Equal(HttpStatusCode.NotFound, foreign.Status);
            await browser.OpenAsync("/account");
            var foreignRename = await RenameAsync(browser, theirs, "mine now");
            Assert.Equal(HttpStatusCode.NotFound, foreignRename.Status);

            Assert.Equal(1, await CountPasskeysAsync(userId));
            Assert.Equal(1, await CountPasskeysAsync(otherId));
            await using var db = host.Database.CreateContext();
            Assert.NotEqual("mine now", (await db.PasskeyCredentials.SingleAsync(p => p.Id == theirs)).Name);
        }
    }

    [Fact]
    public async Task Removing_a_passkey_ends_the_sessions_signed_in_with_it()
    {
        var (browser, first, userId) = await ActivatedAsync();
        using (browser)
        using (var spare = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid))
        {
            await browser.OpenAsync("/account");
            var start = await browser.PostJsonAsync("/account/passkeys/options", new { });
            var attestation = spare.CreateAttestationJson(start.Body.GetProperty("options").GetRawText(), Origin);
            await browser.PostJsonAsync("/account/passkeys/complete", new { ceremonyId = start.Body.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(attestation) });
            var firstId = await FirstPasskeyIdAsync(userId);

            // Removing the key this session signed in with ends this session.
            await browser.OpenAsync("/account");
            var removed = await browser.SubmitAsync("Remove", new Dictionary<string, string> { ["PasskeyId"] = firstId.ToString() });
            // After the redirect, this browser's session is gone: the account page sends it to sign in.
            Assert.Equal(HttpStatusCode.Redirect, removed.Status);
            await using var db = host.Database.CreateContext();
            Assert.Equal(1, await db.PasskeyCredentials.CountAsync(p => p.UserId == userId));
            Assert.True(await db.UserSessions.AnyAsync(s => s.UserId == userId && s.EndReason == "passkey removed"));
            using var account = await browser.Http.GetAsync(new Uri("/account", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Redirect, account.StatusCode);
            Assert.Contains("/signin", account.Headers.Location!.OriginalString, StringComparison.Ordinal);
            Assert.Single(first.Credentials);
        }
    }

    [Fact]
    public async Task Identify_names_the_key_that_answered_and_refuses_another_users_key()
    {
        var (browser, key, userId) = await ActivatedAsync();
        var (other, otherKey, _) = await ActivatedAsync();
        using (browser)
        using (other)
        {
            await browser.OpenAsync("/account");
            var start = await browser.PostJsonAsync("/account/identify/options", new { });
            var assertion = key.CreateAssertionJson(start.Body.GetProperty("options").GetRawText(), Origin);
            var (status, body) = await browser.PostJsonAsync("/account/identify/complete",
                new { ceremonyId = start.Body.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(assertion) });
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(await FirstPasskeyIdAsync(userId), body.GetProperty("passkeyId").GetGuid());

            var again = await browser.PostJsonAsync("/account/identify/options", new { });
            // A key that answers with its own credential although the request named only this user's.
            var foreign = otherKey.CreateAssertionJson(again.Body.GetProperty("options").GetRawText(), Origin, otherKey.Credentials[0].Id);
            var refused = await browser.PostJsonAsync("/account/identify/complete",
                new { ceremonyId = again.Body.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(foreign) });
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            await using var db = host.Database.CreateContext();
            Assert.True(await db.AuditEntries.AnyAsync(a => a.TargetUserId == userId && a.Action == "signin.failed" && a.Details.Contains("account")));
        }
    }

    [Fact]
    public async Task A_password_user_sees_the_password_section_and_changes_the_password_ending_other_sessions()
    {
        var email = await host.NewPersonAsync(roles: MemberRoles.Auditor);
        const string newPassword = "Changed-Password-2026";
        using var elsewhere = new LinkBrowser(host);
        using (await elsewhere.Oidc.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword))
        {
        }

        using var browser = new LinkBrowser(host);
        using (await browser.Oidc.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword))
        {
        }

        var page = await browser.OpenAsync("/account");
        Assert.True(page.Shows("change-password"));
        Assert.True(page.Shows("create-passkey-cta"));
        Assert.True(page.Shows("no-passkeys"));

        var wrong = await browser.SubmitAsync("ChangePassword", new Dictionary<string, string>
        {
            ["CurrentPassword"] = "not-it", ["NewPassword"] = newPassword, ["ConfirmPassword"] = newPassword,
        });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);
        Assert.Contains("current password is not correct", wrong.Html, StringComparison.Ordinal);
        await using (var db = host.Database.CreateContext())
        {
            // Counted toward the lockout like a failed sign-in, and audited.
            var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
            Assert.Equal(1, user.AccessFailedCount);
            Assert.True(await db.AuditEntries.AnyAsync(a => a.TargetUserId == user.Id && a.Action == "signin.failed" && a.Details.Contains("account")));
        }

        var changed = await browser.SubmitAsync("ChangePassword", new Dictionary<string, string>
        {
            ["CurrentPassword"] = DemoSeeder.DemoPassword, ["NewPassword"] = newPassword, ["ConfirmPassword"] = newPassword,
        });
        Assert.Equal(HttpStatusCode.OK, changed.Status);
        Assert.True(changed.Shows("done"));

        using var stillHere = await browser.Http.GetAsync(new Uri("/account", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, stillHere.StatusCode);
        using var goneElsewhere = await elsewhere.Http.GetAsync(new Uri("/account", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, goneElsewhere.StatusCode);
        using var signIn = await new LinkBrowser(host).Oidc.SignInWithPasswordAsync(email, newPassword);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
    }

    [Fact]
    public async Task Members_of_an_sso_organization_see_no_credential_management()
    {
        var (browser, _, userId) = await ActivatedAsync();
        using (browser)
        {
            await using (var db = host.Database.CreateContext())
            {
                var organization = await db.Memberships.Where(m => m.UserId == userId).Select(m => m.Organization).SingleAsync();
                organization.Sso.Enabled = true;
                await db.SaveChangesAsync();
            }

            try
            {
                var page = await browser.OpenAsync("/account");
                Assert.True(page.Shows("sso-managed"));
                Assert.False(page.Shows("passkeys"));
                var refused = await browser.PostJsonAsync("/account/passkeys/options", new { });
                Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
            }
            finally
            {
                await using var db = host.Database.CreateContext();
                var organization = await db.Memberships.Where(m => m.UserId == userId).Select(m => m.Organization).SingleAsync();
                organization.Sso.Enabled = false;
                await db.SaveChangesAsync();
            }
        }
    }

    [Fact]
    public async Task The_account_page_needs_a_session()
    {
        using var browser = new LinkBrowser(host);
        using var response = await browser.Http.GetAsync(new Uri("/account", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/signin", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    /// <summary>A new Contoso member who activated with a YubiKey-like software key and is signed in with it.</summary>
    private async Task<(LinkBrowser Browser, SoftwareAuthenticator Key, Guid UserId)> ActivatedAsync()
    {
        var (email, invited, link) = await host.InviteNewPersonAsync();
        var browser = new LinkBrowser(host);
        await host.ConfirmCodeAsync(browser, email, link);
        var key = new SoftwareAuthenticator(SoftwareAuthenticator.YubiKey5NfcAaguid);
        await ActivationPageTests.RegisterPasskeyAsync(browser, link, key);
        return (browser, key, invited.UserId);
    }

    private static async Task<LinkPage> RenameAsync(LinkBrowser browser, Guid passkeyId, string name) =>
        await browser.SubmitAsync("Rename", new Dictionary<string, string> { ["PasskeyId"] = passkeyId.ToString(), ["Name"] = name });

    private async Task<Guid> FirstPasskeyIdAsync(Guid userId)
    {
        await using var db = host.Database.CreateContext();
        return await db.PasskeyCredentials.Where(p => p.UserId == userId).OrderBy(p => p.CreatedAt).Select(p => p.Id).FirstAsync();
    }

    private async Task<int> CountPasskeysAsync(Guid userId)
    {
        await using var db = host.Database.CreateContext();
        return await db.PasskeyCredentials.CountAsync(p => p.UserId == userId);
    }

    private static string OidcBrowserBase64Url(byte[] bytes) => Support.OidcBrowser.Base64Url(bytes);
}

/// <summary>Authenticator-app codes for people who still sign in with a password.</summary>
[Collection(SharedIdp.Name)]
public sealed class TotpSetupTests(IdpHost host)
{
    [Fact]
    public async Task A_password_user_turns_authenticator_codes_on_with_a_matching_code_and_off_with_the_password()
    {
        var email = await host.NewPersonAsync();
        using var browser = new LinkBrowser(host);
        using (await browser.Oidc.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword))
        {
        }

        await browser.OpenAsync("/account");
        var wrongPassword = await browser.SubmitAsync("StartTotp", new Dictionary<string, string> { ["CurrentPassword"] = "nope" });
        Assert.Equal(HttpStatusCode.BadRequest, wrongPassword.Status);
        var setup = await browser.SubmitAsync("StartTotp", new Dictionary<string, string> { ["CurrentPassword"] = DemoSeeder.DemoPassword });
        Assert.True(setup.Shows("totp-setup"));
        var key = System.Text.RegularExpressions.Regex.Match(setup.Html, "id=\"totp-key\">([A-Z2-7]+)<").Groups[1].Value;
        Assert.NotEmpty(key);
        var blob = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(setup.Html, "name=\"TotpSetup\" value=\"([^\"]+)\"").Groups[1].Value);
        Assert.NotEmpty(blob);

        // Another session of the same account (a stolen cookie, no password) cannot confirm it.
        using (var thief = new LinkBrowser(host))
        {
            using (await thief.Oidc.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword))
            {
            }

            await thief.OpenAsync("/account");
            var stolen = await thief.SubmitAsync("ConfirmTotp", new Dictionary<string, string> { ["TotpSetup"] = blob, ["TotpCode"] = Totp.Code(key, DateTimeOffset.UtcNow) });
            Assert.Equal(HttpStatusCode.BadRequest, stolen.Status);
            Assert.DoesNotContain(key, stolen.Html, StringComparison.Ordinal);
            await using var db = host.Database.CreateContext();
            Assert.False((await db.Users.AsNoTracking().SingleAsync(u => u.Email == email)).TwoFactorEnabled);
        }

        var wrongCode = await browser.SubmitAsync("ConfirmTotp", new Dictionary<string, string> { ["TotpSetup"] = blob, ["TotpCode"] = Totp.Code(key, DateTimeOffset.UtcNow.AddMinutes(-10)) });
        Assert.Equal(HttpStatusCode.BadRequest, wrongCode.Status);
        Assert.True(wrongCode.Shows("totp-setup"));
        var on = await browser.SubmitAsync("ConfirmTotp", new Dictionary<string, string> { ["TotpSetup"] = blob, ["TotpCode"] = Totp.Code(key, DateTimeOffset.UtcNow) });
        Assert.Equal(HttpStatusCode.OK, on.Status);
        Assert.True(on.Shows("disable-totp"));
        await using (var db = host.Database.CreateContext())
        {
            var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
            Assert.True(user.TwoFactorEnabled);
            Assert.True(await db.AuditEntries.AnyAsync(a => a.TargetUserId == user.Id && a.Action == "credential.totp_enabled"));
        }

        // The next password sign-in asks for a code.
        using var other = new LinkBrowser(host);
        using (var signIn = await other.Oidc.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword))
        {
            Assert.Contains("name=\"Code\"", await signIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A live key is not replaced behind the app's back.
        var replace = await browser.SubmitAsync("StartTotp", new Dictionary<string, string> { ["CurrentPassword"] = DemoSeeder.DemoPassword });
        Assert.Equal(HttpStatusCode.Conflict, replace.Status);

        // A wrong code on the confirm step never reads the live key back onto the page.
        var probe = await browser.SubmitAsync("ConfirmTotp", new Dictionary<string, string> { ["TotpCode"] = "000000" });
        Assert.Equal(HttpStatusCode.BadRequest, probe.Status);
        Assert.DoesNotContain(key, probe.Html, StringComparison.Ordinal);
        Assert.False(probe.Shows("totp-setup"));

        var off = await browser.SubmitAsync("DisableTotp", new Dictionary<string, string> { ["CurrentPassword"] = DemoSeeder.DemoPassword });
        Assert.Equal(HttpStatusCode.OK, off.Status);
        Assert.True(off.Shows("totp-off"));

        // The old set-up, replayed after codes went off, cannot switch them back on with its key.
        var replayed = await browser.SubmitAsync("ConfirmTotp", new Dictionary<string, string> { ["TotpSetup"] = blob, ["TotpCode"] = Totp.Code(key, DateTimeOffset.UtcNow.AddSeconds(30)) });
        Assert.Equal(HttpStatusCode.BadRequest, replayed.Status);
        await using (var db = host.Database.CreateContext())
        {
            Assert.False((await db.Users.AsNoTracking().SingleAsync(u => u.Email == email)).TwoFactorEnabled);
        }
    }
}

/// <summary>RFC 6238 codes, as an authenticator app computes them.</summary>
internal static class Totp
{
    public static string Code(string base32Key, DateTimeOffset at)
    {
        var key = FromBase32(base32Key);
        var counter = at.ToUnixTimeSeconds() / 30;
        var message = BitConverter.GetBytes(counter);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(message);
        }

        // RFC 6238 codes are HMAC-SHA1 by definition; authenticator apps compute exactly this.
#pragma warning disable CA5350
        var hash = System.Security.Cryptography.HMACSHA1.HashData(key, message);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0F;
        var binary = ((hash[offset] & 0x7F) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] FromBase32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('='))
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }
}
