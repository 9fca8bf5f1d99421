using KeyPortal.Core.Memberships;

namespace KeyPortal.EndToEnd.Account;

/// <summary>
/// Manage credentials with two security keys plugged in (two virtual authenticators; exactly one
/// answers each ceremony): add a spare, rename it, identify each key, remove one, and be refused
/// removing the last.
/// </summary>
[Collection(KeyPortalApps.Collection)]
public sealed class ManageCredentialsJourneyTests(KeyPortalApps apps)
{
    [Fact]
    public async Task A_user_adds_renames_identifies_and_removes_passkeys_and_cannot_remove_the_last()
    {
        var email = $"keys.{Guid.NewGuid():N}"[..18] + "@fabrikam.example";
        await apps.InviteAsync("distributor@fabrikam.example", "fabrikam", email, MemberRoles.Auditor);

        await using var journey = await apps.StartJourneyAsync(nameof(A_user_adds_renames_identifies_and_removes_passkeys_and_cannot_remove_the_last));
        var page = journey.Page;
        var first = await journey.AddAuthenticatorAsync(VirtualAuthenticatorOptions.SecurityKey);
        await page.GotoAsync((await apps.Mailbox.NextAsync(email, "Activate")).Link(new Uri(apps.IdP, "activate/").AbsoluteUri).AbsoluteUri);
        await page.Locator("#send-code").ClickAsync();
        await page.Locator("#Code").FillAsync((await apps.Mailbox.NextAsync(email, "code")).Code());
        await page.Locator("#confirm-code").ClickAsync();
        await page.Locator("#activate-passkey").ClickAsync();
        await page.WaitForURLAsync(apps.Portal.AbsoluteUri);
        // The Portal's home has rendered (the sign-in's redirects are over) before the click.
        await Assertions.Expect(page.GetByTestId("current-organization")).ToBeVisibleAsync();

        await page.GetByTestId("manage-credentials").ClickAsync();
        await page.WaitForURLAsync(url => url.StartsWith(new Uri(apps.IdP, "account").AbsoluteUri, StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#spare-key")).ToBeVisibleAsync();
        // A header of its own: what this page is, who is signed in, and a way out.
        var header = page.Locator(".site-header");
        await Assertions.Expect(header.Locator(".brand-app")).ToHaveTextAsync("Manage credentials");
        await Assertions.Expect(header.GetByTestId("signed-in-email")).ToHaveTextAsync(email);
        await Assertions.Expect(header.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("this-session")).ToHaveCountAsync(1);
        await journey.ScreenshotAsync("one-passkey");

        // Plug in a second key; only it answers.
        var second = await first.AddAnotherAsync(VirtualAuthenticatorOptions.SecurityKey);
        await first.SetAutomaticPresenceSimulationAsync(false);
        await page.Locator("#add-passkey").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("done=added", StringComparison.Ordinal));
        var rows = page.Locator("#passkeys tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#spare-key")).ToHaveCountAsync(0);
        // Created and Last used: a date reads on one line.
        Assert.Equal(1, await Layout.LinesAsync(rows.Nth(0).Locator("td").Nth(2)));
        Assert.Equal(1, await Layout.LinesAsync(rows.Nth(0).Locator("td").Nth(3)));

        await journey.ScreenshotAsync("two-passkeys");

        // Rename and Remove can be cancelled.
        await rows.Nth(1).GetByTestId("rename").ClickAsync();
        await Assertions.Expect(rows.Nth(1).Locator("input[name=Name]")).ToBeVisibleAsync();
        await rows.Nth(1).GetByTestId("cancel-rename").ClickAsync();
        await Assertions.Expect(rows.Nth(1).Locator("input[name=Name]")).ToBeHiddenAsync();
        await Assertions.Expect(rows.Nth(1).GetByTestId("rename")).ToBeFocusedAsync();
        await rows.Nth(1).GetByTestId("remove").ClickAsync();
        await Assertions.Expect(rows.Nth(1).GetByTestId("confirm-remove")).ToBeVisibleAsync();
        await journey.ScreenshotAsync("remove-asks");
        await rows.Nth(1).GetByTestId("cancel-remove").ClickAsync();
        await Assertions.Expect(rows.Nth(1).GetByTestId("confirm-remove")).ToBeHiddenAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);

        // Rename the spare.
        await rows.Nth(1).GetByTestId("rename").ClickAsync();
        await rows.Nth(1).Locator("input[name=Name]").FillAsync("Spare key (drawer)");
        await rows.Nth(1).GetByTestId("save-name").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("done=renamed", StringComparison.Ordinal));
        await Assertions.Expect(rows.Nth(1).GetByTestId("passkey-name")).ToHaveTextAsync("Spare key (drawer)");
        await journey.ScreenshotAsync("renamed");

        // Identify: the second key, then the first.
        await page.Locator("#identify-passkey").ClickAsync();
        await Assertions.Expect(rows.Nth(1)).ToHaveClassAsync("identified");
        await Assertions.Expect(page.Locator("#identify-result")).ToContainTextAsync("Spare key (drawer)");
        await journey.ScreenshotAsync("identified-spare");
        await second.SetAutomaticPresenceSimulationAsync(false);
        await first.SetAutomaticPresenceSimulationAsync(true);
        await page.Locator("#identify-passkey").ClickAsync();
        await Assertions.Expect(rows.Nth(0)).ToHaveClassAsync("identified");
        await Assertions.Expect(rows.Nth(1)).Not.ToHaveClassAsync("identified");
        await journey.ScreenshotAsync("identified-first");

        // Remove the spare; the last one cannot go.
        await rows.Nth(1).GetByTestId("remove").ClickAsync();
        await rows.Nth(1).GetByTestId("confirm-remove").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("done=removed", StringComparison.Ordinal));
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await rows.Nth(0).GetByTestId("remove").ClickAsync();
        await rows.Nth(0).GetByTestId("confirm-remove").ClickAsync();
        await Assertions.Expect(page.Locator("#account-error")).ToContainTextAsync("Add another passkey first");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await journey.ScreenshotAsync("last-passkey-refused");
    }
}
