using KeyPortal.Core.Auditing;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Resets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.EndToEnd.Activation;

/// <summary>
/// Invitation and account reset in a real browser, emails over real SMTP, Chromium's virtual
/// authenticator as the security key. Uses demo accounts no other browser test signs in with:
/// distributor@fabrikam.example (Owner of Fabrikam) and reseller@northwind.example (reset).
/// </summary>
[Collection(KeyPortalApps.Collection)]
public sealed class ActivationJourneyTests(KeyPortalApps apps)
{
    private const string Password = "Demo-Password-2026";

    [Fact]
    public async Task An_owner_creates_a_user_who_activates_with_the_emailed_code_and_a_passkey_and_lands_in_the_portal()
    {
        var email = $"new.colleague.{Guid.NewGuid():N}"[..28] + "@fabrikam.example";

        // The Owner creates the user in the Portal.
        await using (var owner = await apps.StartJourneyAsync(nameof(An_owner_creates_a_user_who_activates_with_the_emailed_code_and_a_passkey_and_lands_in_the_portal) + "-owner"))
        {
            var page = owner.Page;
            await page.GotoAsync(apps.Portal.AbsoluteUri);
            await page.Locator("#password-signin").ClickAsync();
            await SignInWithPasswordAsync(page, "distributor@fabrikam.example");
            await page.Locator("#not-now").ClickAsync();
            await page.WaitForURLAsync(apps.Portal.AbsoluteUri);
            await owner.ScreenshotAsync("portal-home");

            await page.GetByTestId("home-create-user").ClickAsync();
            await page.Locator("#Email").FillAsync(email);
            await page.Locator("#Role").SelectOptionAsync("Auditor");
            await owner.ScreenshotAsync("create-user");
            await page.Locator("#invite-submit").ClickAsync();
            await Assertions.Expect(page.Locator("#invite-result")).ToContainTextAsync($"We emailed an invitation to {email}.");
            await owner.ScreenshotAsync("user-created");
        }

        // The new user, in their own browser, with their security key.
        await using var journey = await apps.StartJourneyAsync(nameof(An_owner_creates_a_user_who_activates_with_the_emailed_code_and_a_passkey_and_lands_in_the_portal));
        var invitee = journey.Page;
        var key = await journey.AddAuthenticatorAsync(VirtualAuthenticatorOptions.SecurityKey);
        var invitation = await apps.Mailbox.NextAsync(email, "Activate your access to Fabrikam Distribution");
        await invitee.GotoAsync(invitation.Link(new Uri(apps.IdP, "activate/").AbsoluteUri).AbsoluteUri);
        await Assertions.Expect(invitee.Locator("#activation")).ToContainTextAsync("You were invited to Fabrikam Distribution");
        await journey.ScreenshotAsync("activation-link");

        await invitee.Locator("#send-code").ClickAsync();
        await Assertions.Expect(invitee.Locator("#code-sent")).ToBeVisibleAsync();
        await journey.ScreenshotAsync("code-requested");
        var code = (await apps.Mailbox.NextAsync(email, "code")).Code();
        await invitee.Locator("#Code").FillAsync(code);
        await journey.ScreenshotAsync("code-entered");
        await invitee.Locator("#confirm-code").ClickAsync();

        await Assertions.Expect(invitee.Locator("#activate-passkey")).ToBeVisibleAsync();
        await journey.ScreenshotAsync("register-passkey");
        await invitee.Locator("#activate-passkey").ClickAsync();

        await invitee.WaitForURLAsync(apps.Portal.AbsoluteUri);
        await Assertions.Expect(invitee.GetByTestId("home-email")).ToHaveTextAsync(email);
        await Assertions.Expect(invitee.Locator("ul.organizations")).ToContainTextAsync("Fabrikam Distribution");
        await journey.ScreenshotAsync("portal-home");
        Assert.Single(await key.GetCredentialsAsync());

        // The link worked once.
        await invitee.GotoAsync(invitation.Link(new Uri(apps.IdP, "activate/").AbsoluteUri).AbsoluteUri);
        await Assertions.Expect(invitee.Locator("#link-refused")).ToContainTextAsync("already used");
        await journey.ScreenshotAsync("link-used");
    }

    [Fact]
    public async Task A_reset_account_proves_the_email_with_a_code_and_registers_a_new_passkey_without_its_password()
    {
        const string email = "reseller@northwind.example";
        await using var journey = await apps.StartJourneyAsync(nameof(A_reset_account_proves_the_email_with_a_code_and_registers_a_new_passkey_without_its_password));
        var page = journey.Page;

        // An Owner of Northwind resets the account (the Users page arrives with the Portal's user management).
        await using (var scope = apps.CoreServices())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var owner = await db.Users.AsNoTracking().SingleAsync(u => u.Email == "owner@northwind.example");
            var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
            var northwind = await db.Organizations.Where(o => o.Slug == "northwind").Select(o => o.Id).SingleAsync();
            await scope.ServiceProvider.GetRequiredService<AccountResetService>()
                .ResetUserAsync(AuditActor.ForUser(owner, "127.0.0.1"), user.Id, northwind, apps.IdP);
        }

        // The old password no longer works.
        await page.GotoAsync(new Uri(apps.IdP, "signin/password").AbsoluteUri);
        await SignInWithPasswordAsync(page, email);
        await Assertions.Expect(page.Locator("#signin-error")).ToContainTextAsync("couldn't sign you in");
        await journey.ScreenshotAsync("old-password-refused");

        var resetEmail = await apps.Mailbox.NextAsync(email, "account was reset");
        await page.GotoAsync(resetEmail.Link(new Uri(apps.IdP, "reset/").AbsoluteUri).AbsoluteUri);
        await Assertions.Expect(page.Locator("main h1")).ToHaveTextAsync("Reset your account");
        await journey.ScreenshotAsync("reset-link");
        await page.Locator("#send-code").ClickAsync();
        await page.Locator("#Code").FillAsync((await apps.Mailbox.NextAsync(email, "code")).Code());
        await journey.ScreenshotAsync("code-entered");
        await page.Locator("#confirm-code").ClickAsync();
        await Assertions.Expect(page.Locator("#activation-sent")).ToContainTextAsync("We emailed an activation link");
        await journey.ScreenshotAsync("activation-sent");

        var key = await journey.AddAuthenticatorAsync(VirtualAuthenticatorOptions.SecurityKey);
        var activation = await apps.Mailbox.NextAsync(email, "Register your new security key");
        await page.GotoAsync(activation.Link(new Uri(apps.IdP, "activate/").AbsoluteUri).AbsoluteUri);
        await Assertions.Expect(page.Locator("#send-code")).ToHaveCountAsync(0);
        await journey.ScreenshotAsync("register-new-passkey");
        await page.Locator("#activate-passkey").ClickAsync();

        await page.WaitForURLAsync(apps.Portal.AbsoluteUri);
        await Assertions.Expect(page.GetByTestId("home-email")).ToHaveTextAsync(email);
        await journey.ScreenshotAsync("portal-home");
        Assert.Single(await key.GetCredentialsAsync());

        await using (var scope = apps.CoreServices())
        {
            var user = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Users.AsNoTracking().SingleAsync(u => u.Email == email);
            Assert.Null(user.PasswordHash);
            Assert.Equal(Core.Users.UserState.Active, user.State);
        }
    }

    [Fact]
    public async Task The_first_owner_of_a_new_organization_activates_with_a_password_into_demo_mode()
    {
        var email = $"founder.{Guid.NewGuid():N}"[..20] + "@tailspin.example";

        // An operator onboards the organization in the console.
        await using (var console = await apps.StartJourneyAsync(nameof(The_first_owner_of_a_new_organization_activates_with_a_password_into_demo_mode) + "-operator"))
        {
            var admin = console.Page;
            await console.SignInToConsoleAsync(apps, await apps.NewOperatorAsync());
            await admin.GetByTestId("home-onboard").ClickAsync();
            await admin.Locator("#Name").FillAsync("Tailspin Toys");
            await admin.Locator("#Slug").FillAsync($"tailspin-{Guid.NewGuid():N}"[..20]);
            await admin.Locator("#OwnerEmail").FillAsync(email);
            await console.ScreenshotAsync("onboard-organization");
            await admin.Locator("#onboard-submit").ClickAsync();
            await Assertions.Expect(admin.Locator("#onboard-result")).ToContainTextAsync("Tailspin Toys was created");
            await console.ScreenshotAsync("organization-onboarded");
        }

        await using var journey = await apps.StartJourneyAsync(nameof(The_first_owner_of_a_new_organization_activates_with_a_password_into_demo_mode));
        var page = journey.Page;
        var link = (await apps.Mailbox.NextAsync(email, "Activate your access to Tailspin Toys")).Link(new Uri(apps.IdP, "activate/").AbsoluteUri);
        await page.GotoAsync(link.AbsoluteUri);
        await page.Locator("#send-code").ClickAsync();
        await page.Locator("#Code").FillAsync((await apps.Mailbox.NextAsync(email, "code")).Code());
        await page.Locator("#confirm-code").ClickAsync();
        await page.Locator("#onboarding-password summary").ClickAsync();
        await page.Locator("#Password").FillAsync("Tailspin-Founder-2026");
        await page.Locator("#ConfirmPassword").FillAsync("Tailspin-Founder-2026");
        await journey.ScreenshotAsync("onboarding-password");
        await page.Locator("#set-password").ClickAsync();

        await page.WaitForURLAsync(apps.Portal.AbsoluteUri);
        await Assertions.Expect(page.GetByTestId("home-email")).ToHaveTextAsync(email);
        await Assertions.Expect(page.Locator("#demo-mode")).ToContainTextAsync("demo mode");
        await journey.ScreenshotAsync("portal-home-demo-mode");
    }

    [Fact]
    public async Task Three_wrong_codes_lock_the_link_with_the_time_left()
    {
        var email = $"locked.{Guid.NewGuid():N}"[..20] + "@fabrikam.example";
        await apps.InviteAsync("distributor@fabrikam.example", "fabrikam", email, MemberRoles.Auditor);

        await using var journey = await apps.StartJourneyAsync(nameof(Three_wrong_codes_lock_the_link_with_the_time_left));
        var page = journey.Page;
        var link = (await apps.Mailbox.NextAsync(email, "Activate")).Link(new Uri(apps.IdP, "activate/").AbsoluteUri);
        await page.GotoAsync(link.AbsoluteUri);
        await page.Locator("#send-code").ClickAsync();
        var code = (await apps.Mailbox.NextAsync(email, "code")).Code();
        var wrong = code == "123456" ? "654321" : "123456";
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await page.Locator("#Code").FillAsync(wrong);
            await page.Locator("#confirm-code").ClickAsync();
            if (attempt < 3)
            {
                await Assertions.Expect(page.Locator("#step-error")).ToContainTextAsync($"You have {3 - attempt}");
                await journey.ScreenshotAsync($"wrong-code-{attempt}");
            }
        }

        await Assertions.Expect(page.Locator("#code-locked")).ToContainTextAsync("locked for 15 more minutes");
        // Said once: no second banner with the same news.
        await Assertions.Expect(page.Locator("#step-error")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("main .banner").Filter(new() { HasText = "Too many wrong codes" })).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#Code")).ToHaveCountAsync(0);
        await journey.ScreenshotAsync("locked");
    }

    private static async Task SignInWithPasswordAsync(IPage page, string email)
    {
        await page.Locator("#Email").FillAsync(email);
        await page.Locator("#Password").FillAsync(Password);
        await page.Locator("#password-submit").ClickAsync();
    }
}
