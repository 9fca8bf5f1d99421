using System.Text.RegularExpressions;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.EndToEnd.Users;

/// <summary>
/// Your organization > Users in a real browser: switching organizations, and an Owner managing a
/// user through the dialogs. Each test makes its own organizations and people (with a password,
/// to sign in without a key), so no other browser test is affected.
/// </summary>
[Collection(KeyPortalApps.Collection)]
public sealed class UsersJourneyTests(KeyPortalApps apps)
{
    [Fact]
    public async Task A_member_of_two_organizations_switches_and_sees_only_the_current_organizations_members()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var alpha = await OrganizationAsync($"Alpha {suffix}");
        var beta = await OrganizationAsync($"Beta {suffix}");
        var both = await PersonAsync($"both.{suffix}@example.com", (alpha, MemberRoles.Owner), (beta, MemberRoles.Admin));
        var onlyAlpha = await PersonAsync($"alpha.only.{suffix}@example.com", (alpha, MemberRoles.Auditor));
        var onlyBeta = await PersonAsync($"beta.only.{suffix}@example.com", (beta, MemberRoles.Auditor));

        await using var journey = await apps.StartJourneyAsync(nameof(A_member_of_two_organizations_switches_and_sees_only_the_current_organizations_members));
        var page = journey.Page;
        await SignInAsync(page, both);
        await Assertions.Expect(page.GetByTestId("current-organization")).ToHaveTextAsync($"Alpha {suffix}");
        // The organization name sits in the top left corner, as the vendor's documentation says.
        var name = await page.GetByTestId("current-organization").BoundingBoxAsync();
        var viewport = page.ViewportSize!;
        Assert.True(name!.X + name.Width < viewport.Width / 2f && name.Y + name.Height < 100, $"organization name at ({name.X}, {name.Y})");
        await page.GetByTestId("home-users").ClickAsync();
        await Assertions.Expect(page.Locator($"tr[data-email='{onlyAlpha}']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator($"tr[data-email='{onlyBeta}']")).ToHaveCountAsync(0);
        await journey.ScreenshotAsync("alpha-users");

        await page.GetByTestId("current-organization").ClickAsync();
        await journey.ScreenshotAsync("organization-menu");
        await page.GetByTestId($"switch-to-{beta.Slug}").ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith("/users", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByTestId("current-organization")).ToHaveTextAsync($"Beta {suffix}");
        await Assertions.Expect(page.Locator($"tr[data-email='{onlyBeta}']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator($"tr[data-email='{onlyAlpha}']")).ToHaveCountAsync(0);
        // Admin in Beta: the list, but no user management, and so no (empty) Actions column.
        await Assertions.Expect(page.Locator("#create-user")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#users thead th").Last).ToHaveTextAsync("Passwordless");
        await Assertions.Expect(page.Locator("#users thead th")).ToHaveCountAsync(7);
        await Assertions.Expect(page.Locator($"tr[data-email='{onlyBeta}'] td")).ToHaveCountAsync(7);
        await journey.ScreenshotAsync("beta-users");

        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "organization.switched" && a.OrganizationId == beta.Id));
    }

    [Fact]
    public async Task An_owner_creates_edits_resets_and_removes_a_user_with_the_dialogs()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var organization = await OrganizationAsync($"Woodgrove {suffix}");
        var owner = await PersonAsync($"owner.{suffix}@example.com", (organization, MemberRoles.Owner));
        var colleague = await PersonAsync($"colleague.{suffix}@example.com", (organization, MemberRoles.Admin));
        var newcomer = $"newcomer.{suffix}@example.com";
        var withKey = await PasskeyPersonAsync($"key.{suffix}@example.com", organization);
        var withCodes = await PersonAsync($"codes.{suffix}@example.com", (organization, MemberRoles.Auditor));
        await using (var setup = apps.CoreServices())
        {
            var users = setup.ServiceProvider.GetRequiredService<PortalDbContext>();
            (await users.Users.SingleAsync(u => u.Email == withCodes)).TwoFactorEnabled = true;
            await users.SaveChangesAsync();
        }

        await using var journey = await apps.StartJourneyAsync(nameof(An_owner_creates_edits_resets_and_removes_a_user_with_the_dialogs));
        var page = journey.Page;
        await SignInAsync(page, owner);
        await page.GetByTestId("current-organization").ClickAsync();
        await page.GetByTestId("menu-users").ClickAsync();
        await Assertions.Expect(page.Locator("#owner-warning")).ToBeVisibleAsync();
        await journey.ScreenshotAsync("users-one-owner-warning");

        // Password, MFA and Passwordless are ticks and crosses, with words for screen readers.
        await Assertions.Expect(page.Locator("#users thead th").Last).ToHaveTextAsync("Actions");
        var ownerRow = page.Locator($"tr[data-email='{owner}']");
        await Assertions.Expect(ownerRow.GetByTestId("mfa")).ToHaveTextAsync("✗No");
        await Assertions.Expect(ownerRow.GetByTestId("mfa").Locator(".visually-hidden")).ToHaveTextAsync("No");
        await Assertions.Expect(ownerRow.GetByTestId("password")).ToHaveTextAsync("✓Yes");
        var keyRow = page.Locator($"tr[data-email='{withKey}']");
        await Assertions.Expect(keyRow.GetByTestId("mfa")).ToHaveTextAsync("✓Yes");
        await Assertions.Expect(keyRow.GetByTestId("mfa").Locator("[title]")).ToHaveAttributeAsync("title", new Regex("passkey with user verification"));
        await Assertions.Expect(keyRow.GetByTestId("passwordless")).ToHaveTextAsync("✓Yes");
        await Assertions.Expect(page.Locator($"tr[data-email='{withCodes}']").GetByTestId("mfa")).ToHaveTextAsync("✓Yes");

        // Create.
        await page.Locator("#create-user").ClickAsync();
        await page.Locator("#Email").FillAsync(newcomer);
        await page.Locator("#Role").SelectOptionAsync("Auditor");
        await page.Locator("#invite-submit").ClickAsync();
        await Assertions.Expect(page.Locator("#invite-result")).ToContainTextAsync(newcomer);
        await journey.ScreenshotAsync("user-created");
        await apps.Mailbox.NextAsync(newcomer, "Activate");

        // Edit roles of the colleague: make them Owner (the warning goes away).
        await page.GotoAsync(new Uri(apps.Portal, "users").AbsoluteUri);
        await Assertions.Expect(page.Locator($"tr[data-email='{newcomer}']")).ToContainTextAsync("Pending");
        await page.Locator($"tr[data-email='{colleague}'] a").First.ClickAsync();
        await page.Locator("#edit-roles").ClickAsync();
        await Assertions.Expect(page.Locator("#roles-dialog")).ToBeVisibleAsync();
        await page.Locator("#OrganizationRoleInput").SelectOptionAsync("Owner");
        await journey.ScreenshotAsync("edit-roles-dialog");
        await page.Locator("#save-roles").ClickAsync();
        await Assertions.Expect(page.Locator("#done")).ToHaveTextAsync("Roles saved.");
        await Assertions.Expect(page.Locator("#user-roles")).ToHaveTextAsync("Owner");

        // Reset password, then reset the whole account.
        await page.Locator("#reset-password").ClickAsync();
        await Assertions.Expect(page.Locator("#password-reset-dialog")).ToBeVisibleAsync();
        await page.Locator("#confirm-password-reset").ClickAsync();
        await Assertions.Expect(page.Locator("#done")).ToContainTextAsync("link to set a new password");
        await apps.Mailbox.NextAsync(colleague, "Set a new password");
        await page.Locator("#reset-user").ClickAsync();
        await Assertions.Expect(page.Locator("#reset-dialog")).ToBeVisibleAsync();
        await journey.ScreenshotAsync("reset-user-dialog");
        await page.Locator("#confirm-reset").ClickAsync();
        await Assertions.Expect(page.Locator("#user-state")).ToHaveTextAsync("Reset");
        await Assertions.Expect(page.Locator("#user-password")).ToHaveTextAsync("No");
        await journey.ScreenshotAsync("user-reset");
        await apps.Mailbox.NextAsync(colleague, "account was reset");

        // Remove the newcomer.
        await page.GotoAsync(new Uri(apps.Portal, "users").AbsoluteUri);
        await page.Locator($"tr[data-email='{newcomer}'] a").First.ClickAsync();
        await page.Locator("#remove-user").ClickAsync();
        await Assertions.Expect(page.Locator("#remove-dialog")).ToContainTextAsync("Yes, remove user");
        await journey.ScreenshotAsync("remove-dialog");
        await page.Locator("#confirm-remove").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/users?done=removed", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator($"tr[data-email='{newcomer}']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#owner-warning")).ToHaveCountAsync(0);
        await journey.ScreenshotAsync("user-removed");

        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        Assert.Equal(UserState.Deactivated, (await db.Users.AsNoTracking().SingleAsync(u => u.Email == newcomer)).State);
    }

    private Task<Organization> OrganizationAsync(string name) => new People(apps).OrganizationAsync(name);

    private Task<string> PersonAsync(string email, params (Organization Organization, MemberRoles Roles)[] memberships) =>
        new People(apps).PersonAsync(email, memberships);

    /// <summary>An Active, passwordless person with one passkey (stored as registration stores it), Auditor of the organization.</summary>
    private async Task<string> PasskeyPersonAsync(string email, Organization organization)
    {
        await PersonAsync(email, (organization, MemberRoles.Auditor));
        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var user = await db.Users.SingleAsync(u => u.Email == email);
        user.PasswordHash = null;
        db.PasskeyCredentials.Add(new PasskeyCredential
        {
            Id = Guid.NewGuid(),
            UserId = user.Id,
            CredentialId = Guid.NewGuid().ToByteArray(),
            PublicKey = [1, 2, 3],
            Name = "Security key",
            CreatedAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
        return email;
    }

    private Task SignInAsync(IPage page, string email) => new People(apps).SignInAsync(page, email);
}
