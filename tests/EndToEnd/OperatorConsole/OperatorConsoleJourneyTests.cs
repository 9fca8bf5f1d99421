using System.Net;
using KeyPortal.Core.ApiTokens;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.EndToEnd.OperatorConsole;

/// <summary>
/// The vendor's staff at work, with the three apps running as processes and a real browser:
/// an operator finds a user and suspends them (their open Portal tab, tokens, API token and its
/// JWT all stop; the Owners are emailed over SMTP), then lifts the suspension; and an operator
/// gives an organization whose only Owner was reset a new Owner, who then manages members.
/// </summary>
[Collection(KeyPortalApps.Collection)]
public sealed class OperatorConsoleJourneyTests(KeyPortalApps apps)
{
    [Fact]
    public async Task A_suspension_ends_the_session_and_every_token_at_once_and_lifting_it_restores_sign_in()
    {
        var people = new People(apps);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var organization = await people.OrganizationAsync($"Contoso {suffix}");
        var firstOwner = await people.PersonAsync($"owner1.{suffix}@example.com", (organization, MemberRoles.Owner));
        var secondOwner = await people.PersonAsync($"owner2.{suffix}@example.com", (organization, MemberRoles.Owner));
        var member = await people.PersonAsync($"member.{suffix}@example.com", (organization, MemberRoles.Admin));
        var operatorEmail = await apps.NewOperatorAsync();

        // What the member holds: tokens of a sign-in, an API token and a JWT issued against it.
        using var tokens = new TokenClient(apps);
        var (accessToken, refreshToken) = await tokens.SignInAsync(member, People.Password);
        var apiToken = await GenerateApiTokenAsync(member, organization.Id);
        var (jwtStatus, jwtBody) = await tokens.ApiTokenGrantAsync(apiToken);
        Assert.True(jwtStatus == HttpStatusCode.OK, jwtBody.ToString());
        var apiJwt = jwtBody.GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await tokens.CallAsync(apps.Portal, "api/me", accessToken));
        Assert.Equal(HttpStatusCode.OK, await tokens.CallAsync(apps.Portal, "api/me", apiToken));
        Assert.Equal(HttpStatusCode.OK, await tokens.CallAsync(apps.Portal, "api/me", apiJwt));
        Assert.True(await tokens.IsActiveAsync(accessToken));

        await using var memberTab = await apps.StartJourneyAsync(nameof(A_suspension_ends_the_session_and_every_token_at_once_and_lifting_it_restores_sign_in) + "-member");
        await people.SignInAsync(memberTab.Page, member);
        await Assertions.Expect(memberTab.Page.GetByTestId("current-organization")).ToHaveTextAsync(organization.Name);

        await using var console = await apps.StartJourneyAsync(nameof(A_suspension_ends_the_session_and_every_token_at_once_and_lifting_it_restores_sign_in));
        var page = console.Page;
        await console.SignInToConsoleAsync(apps, operatorEmail);
        await page.GetByTestId("home-users").ClickAsync();
        await page.Locator("#email").FillAsync($"member.{suffix}");
        await page.Locator("#user-search-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("user-row")).ToHaveCountAsync(1);
        await console.ScreenshotAsync("user-found");
        await page.GetByTestId("user-row").Locator("a").First.ClickAsync();
        await Assertions.Expect(page.Locator("#user-email")).ToHaveTextAsync(member);
        // At 1280 px the profile, with its audit details, fits the window.
        Assert.False(await Layout.WindowScrollsSidewaysAsync(page), "the user's page scrolls sideways");
        await page.Locator("#suspend").ClickAsync();
        await page.Locator("#Reason").FillAsync("Laptop reported stolen (ticket 815)");
        await console.ScreenshotAsync("suspend-confirmation");
        await page.Locator("#confirm-suspend").ClickAsync();
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("suspended");
        await Assertions.Expect(page.Locator("#user-state")).ToHaveTextAsync(UserStateNames.Display(UserState.Suspended));
        await console.ScreenshotAsync("suspended");

        // The member's open tab: the next click is refused and lands on the sign-in page.
        await memberTab.Page.GetByTestId("current-organization").ClickAsync();
        await memberTab.Page.GetByTestId("menu-users").ClickAsync();
        await memberTab.Page.WaitForURLAsync(url => url.StartsWith(apps.IdP.AbsoluteUri, StringComparison.Ordinal));
        await Assertions.Expect(memberTab.Page.Locator("#password-signin")).ToBeVisibleAsync();
        await memberTab.ScreenshotAsync("signed-out");

        var (refreshStatus, refreshBody) = await tokens.RefreshAsync(refreshToken);
        Assert.Equal(HttpStatusCode.BadRequest, refreshStatus);
        Assert.Equal("invalid_grant", refreshBody.GetProperty("error").GetString());
        Assert.False(await tokens.IsActiveAsync(accessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await tokens.CallAsync(apps.Portal, "api/me", accessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await tokens.CallAsync(apps.Portal, "api/me", apiToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await tokens.CallAsync(apps.Portal, "api/me", apiJwt));
        Assert.Equal(HttpStatusCode.Unauthorized, (await tokens.ApiTokenGrantAsync(apiToken)).Status);

        // Signing in again gets the message everybody refused gets.
        await memberTab.Page.Locator("#password-signin").ClickAsync();
        await memberTab.Page.Locator("#Email").FillAsync(member);
        await memberTab.Page.Locator("#Password").FillAsync(People.Password);
        await memberTab.Page.Locator("#password-submit").ClickAsync();
        await Assertions.Expect(memberTab.Page.Locator("#signin-error")).ToContainTextAsync("We couldn't sign you in with those details");

        // Each Owner was told, over SMTP; the member was not.
        foreach (var owner in new[] { firstOwner, secondOwner })
        {
            var notice = await apps.Mailbox.NextAsync(owner, $"{member} was suspended in {organization.Name}");
            Assert.Contains("suspended", notice.Text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(apps.Mailbox.All, e => e.To == member && e.Subject.Contains("suspended", StringComparison.Ordinal));

        // Lifting: the member signs in with the password they had; the API token stays deleted.
        await page.Locator("#lift").ClickAsync();
        await page.Locator("#confirm-lift").ClickAsync();
        await Assertions.Expect(page.Locator("#user-state")).ToHaveTextAsync(UserStateNames.Display(UserState.Active));
        await console.ScreenshotAsync("lifted");
        await people.SignInAsync(memberTab.Page, member);
        await Assertions.Expect(memberTab.Page.GetByTestId("current-organization")).ToHaveTextAsync(organization.Name);
        Assert.Equal(HttpStatusCode.Unauthorized, await tokens.CallAsync(apps.Portal, "api/me", apiToken));

        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var memberId = await db.Users.Where(u => u.Email == member).Select(u => u.Id).SingleAsync();
        Assert.False(await db.ApiTokens.AnyAsync(t => t.UserId == memberId));
        Assert.True(await db.Memberships.AnyAsync(m => m.UserId == memberId && m.OrganizationId == organization.Id));
        var states = await db.AuditEntries.Where(a => a.TargetUserId == memberId && a.Action == AuditActions.UserStateChanged && a.Actor == operatorEmail).CountAsync();
        Assert.Equal(2, states);
        Assert.Empty(console.TakeProblems());
    }

    [Fact]
    public async Task An_organization_whose_only_owner_was_reset_gets_a_new_owner_from_an_operator_who_then_manages_members()
    {
        var people = new People(apps);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var organization = await people.OrganizationAsync($"Tailspin {suffix}");
        var lostOwner = await people.PersonAsync($"owner.{suffix}@example.com", (organization, MemberRoles.Owner));
        var admin = await people.PersonAsync($"admin.{suffix}@example.com", (organization, MemberRoles.Admin));
        var newcomer = $"new.{suffix}@example.com";
        var operatorEmail = await apps.NewOperatorAsync();

        await using var console = await apps.StartJourneyAsync(nameof(An_organization_whose_only_owner_was_reset_gets_a_new_owner_from_an_operator_who_then_manages_members));
        var page = console.Page;
        await console.SignInToConsoleAsync(apps, operatorEmail);

        // The only Owner lost their keys: the operator resets the account.
        await page.GotoAsync(new Uri(apps.Admin, $"users?email={Uri.EscapeDataString(lostOwner)}").AbsoluteUri);
        await page.GetByTestId("user-row").Locator("a").First.ClickAsync();
        await page.Locator("#reset").ClickAsync();
        await page.Locator("#confirm-reset").ClickAsync();
        await Assertions.Expect(page.Locator("#user-state")).ToHaveTextAsync(UserStateNames.Display(UserState.Reset));
        await apps.Mailbox.NextAsync(lostOwner, "account was reset");

        // The organization's page warns; the operator appoints the Admin as Owner, with a reason.
        await page.Locator("#memberships a").First.ClickAsync();
        await Assertions.Expect(page.Locator("#organization-name")).ToHaveTextAsync(organization.Name);
        await Assertions.Expect(page.Locator("#owner-warning")).ToBeVisibleAsync();
        await page.Locator("#OwnerEmail").FillAsync(admin);
        await page.Locator("#Reason").FillAsync("The only Owner is locked out; the customer's CISO asked for the Admin (ticket 977)");
        await console.ScreenshotAsync("appoint-owner");
        await page.Locator("#owner-submit").ClickAsync();
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("new Owner was appointed");
        await Assertions.Expect(page.Locator("#owner-count")).ToHaveTextAsync("2");
        await Assertions.Expect(page.Locator($"#members tr[data-user] >> text={admin}")).ToHaveCountAsync(1);
        await console.ScreenshotAsync("owner-appointed");

        // The new Owner manages members in the Portal: creates a user.
        await using var owner = await apps.StartJourneyAsync(nameof(An_organization_whose_only_owner_was_reset_gets_a_new_owner_from_an_operator_who_then_manages_members) + "-owner");
        await people.SignInAsync(owner.Page, admin);
        await owner.Page.GotoAsync(new Uri(apps.Portal, "users").AbsoluteUri);
        await owner.Page.Locator("#create-user").ClickAsync();
        await owner.Page.Locator("#Email").FillAsync(newcomer);
        await owner.Page.Locator("#Role").SelectOptionAsync("Auditor");
        await owner.Page.Locator("#invite-submit").ClickAsync();
        await Assertions.Expect(owner.Page.Locator("#invite-result")).ToContainTextAsync(newcomer);
        await owner.ScreenshotAsync("new-owner-created-user");
        await apps.Mailbox.NextAsync(newcomer, "Activate");

        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var appointed = await db.AuditEntries.Where(a => a.OrganizationId == organization.Id && a.Action == AuditActions.OwnerAppointed).SingleAsync();
        Assert.Equal(operatorEmail, appointed.Actor);
        Assert.Contains("ticket 977", appointed.Details, StringComparison.Ordinal);
    }

    private async Task<string> GenerateApiTokenAsync(string email, Guid organizationId)
    {
        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
        var generated = await scope.ServiceProvider.GetRequiredService<ApiTokenService>()
            .GenerateAsync(AuditActor.ForUser(user, "127.0.0.1"), organizationId, "Warehouse system", expiresAt: null);
        return generated.Value;
    }
}
