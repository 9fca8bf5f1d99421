using System.Net;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Seeding;
using KeyPortal.IdP.Tests.Account;
using KeyPortal.IdP.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Tests.SignIn;

/// <summary>Authenticator-app codes after a legacy password: guessing is bounded by the lockout, and a code works once.</summary>
[Collection(SharedIdp.Name)]
public sealed class TotpSignInTests(IdpHost host)
{
    private const string GenericFailure = "We couldn&#x27;t sign you in with those details.";

    [Fact]
    public async Task Fifty_parallel_wrong_codes_get_at_most_the_lockout_threshold_evaluated()
    {
        var email = await host.NewPersonAsync(roles: MemberRoles.Auditor);
        var key = await TotpSignIn.EnableAsync(host, email);
        using var browser = new OidcBrowser(host);
        var form = await TotpSignIn.PasswordStepAsync(browser, email);
        var right = Totp.Code(key, DateTimeOffset.UtcNow);
        var wrong = WrongCodes(key).Take(50);
        var answers = await Task.WhenAll(wrong.Select(async code =>
        {
            using var response = await TotpSignIn.PostCodeAsync(browser, form, code);
            return response.StatusCode;
        })).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.DoesNotContain(HttpStatusCode.Redirect, answers);
        await using var db = host.Database.CreateContext();
        var normalized = email.ToUpperInvariant();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.NormalizedEmail == normalized);
        var evaluated = await db.AuditEntries.CountAsync(a => a.TargetUserId == user.Id && a.Action == "signin.failed" && a.Details!.Contains("wrong one-time code"));
        Assert.InRange(evaluated, 1, 5);
        Assert.NotNull(user.LockoutEnd);

        // Locked: the right code is refused too.
        using var locked = await TotpSignIn.PostCodeAsync(browser, form, right);
        Assert.NotEqual(HttpStatusCode.Redirect, locked.StatusCode);
    }

    [Fact]
    public async Task A_right_code_signs_in_once_and_is_refused_when_replayed()
    {
        var email = await host.NewPersonAsync();
        var key = await TotpSignIn.EnableAsync(host, email);
        var code = Totp.Code(key, DateTimeOffset.UtcNow);

        using var first = new OidcBrowser(host);
        using var accepted = await TotpSignIn.PostCodeAsync(first, await TotpSignIn.PasswordStepAsync(first, email), code);
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);

        using var second = new OidcBrowser(host);
        using var replayed = await TotpSignIn.PostCodeAsync(second, await TotpSignIn.PasswordStepAsync(second, email), code);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Contains(GenericFailure, await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entering_the_password_again_gives_the_code_step_no_fresh_tries()
    {
        var email = await host.NewPersonAsync();
        var key = await TotpSignIn.EnableAsync(host, email);
        using var browser = new OidcBrowser(host);
        for (var round = 0; round < 2; round++)
        {
            var form = await TotpSignIn.PasswordStepAsync(browser, email);
            for (var i = 0; i < 3; i++)
            {
                using var wrong = await TotpSignIn.PostCodeAsync(browser, form, WrongCodes(key).First());
                Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            }
        }

        // Six wrong codes across two password entries: locked, so even password + right code fails.
        using var again = await PasswordThenCodeAsync(browser, email, Totp.Code(key, DateTimeOffset.UtcNow));
        Assert.NotEqual(HttpStatusCode.Redirect, again.StatusCode);
    }

    /// <summary>Codes that are none of the steps around now (so they are wrong whenever they arrive).</summary>
    private static IEnumerable<string> WrongCodes(string key)
    {
        var now = DateTimeOffset.UtcNow;
        var near = Enumerable.Range(-2, 5).Select(step => Totp.Code(key, now.AddSeconds(30 * step))).ToHashSet();
        return Enumerable.Range(0, 1_000).Select(i => $"{i * 997:D6}").Where(code => !near.Contains(code));
    }

    private static async Task<HttpResponseMessage> PasswordThenCodeAsync(OidcBrowser browser, string email, string code)
    {
        using var password = await browser.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword);
        var html = await password.Content.ReadAsStringAsync();
        // Locked out: the password step itself already refuses.
        if (!html.Contains("name=\"Code\"", StringComparison.Ordinal))
        {
            Assert.Contains(GenericFailure, html, StringComparison.Ordinal);
            return new HttpResponseMessage(HttpStatusCode.OK);
        }

        return await TotpSignIn.PostCodeAsync(browser, OidcBrowser.AntiforgeryToken(html), code);
    }
}
