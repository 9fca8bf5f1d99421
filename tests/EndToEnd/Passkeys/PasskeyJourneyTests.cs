namespace KeyPortal.EndToEnd.Passkeys;

/// <summary>
/// Passkeys in a real browser: Chromium's virtual authenticator plays the security key. Uses
/// demo accounts no other browser test signs in with: owner@contoso.example (password →
/// passkey migration) and owner@northwind.example (synced passkey refused).
/// </summary>
[Collection(KeyPortalApps.Collection)]
public sealed class PasskeyJourneyTests(KeyPortalApps apps)
{
    private const string Password = "Demo-Password-2026";

    [Fact]
    public async Task Password_user_creates_a_passkey_then_signs_in_to_the_portal_with_it()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(Password_user_creates_a_passkey_then_signs_in_to_the_portal_with_it));
        var page = journey.Page;
        var key = await journey.AddAuthenticatorAsync(VirtualAuthenticatorOptions.SecurityKey);

        await page.GotoAsync(apps.Portal.AbsoluteUri);
        await journey.ScreenshotAsync("idp-sign-in");
        await page.Locator("#create-passkey-entry").ClickAsync();
        await page.Locator("#Email").FillAsync("owner@contoso.example");
        await page.Locator("#Password").FillAsync(Password);
        await journey.ScreenshotAsync("confirm-with-password");
        await page.Locator("#password-submit").ClickAsync();

        await page.WaitForURLAsync(url => url.Contains("/signin/create-passkey", StringComparison.Ordinal));
        await journey.ScreenshotAsync("create-passkey");
        await page.Locator("#create-passkey").ClickAsync();

        // The passkey is stored; the password session ended; the user proves the new key.
        await page.WaitForURLAsync(url => url.Contains("/signin/passkey-created", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("main h1")).ToHaveTextAsync("Your passkey is ready");
        await journey.ScreenshotAsync("passkey-created");
        var credentials = await key.GetCredentialsAsync();
        Assert.Single(credentials);
        Assert.True(credentials[0].IsResidentCredential);

        await page.Locator("#signin-again").ClickAsync();
        await page.Locator("#Email").FillAsync("owner@contoso.example");
        await page.Locator("#continue").ClickAsync();
        await journey.ScreenshotAsync("passkey-step");

        await page.WaitForURLAsync(apps.Portal.AbsoluteUri);
        await Assertions.Expect(page.GetByTestId("home-email")).ToHaveTextAsync("owner@contoso.example");
        await journey.ScreenshotAsync("portal-home");
        Assert.True((await key.GetCredentialsAsync())[0].SignCount > 0);

        // The password is gone: signing in with it is refused like any wrong credential.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(new Uri(apps.Portal, "welcome").AbsoluteUri);
        await page.GotoAsync(new Uri(apps.IdP, "signin/password").AbsoluteUri);
        await page.Locator("#Email").FillAsync("owner@contoso.example");
        await page.Locator("#Password").FillAsync(Password);
        await page.Locator("#password-submit").ClickAsync();
        await Assertions.Expect(page.Locator("#signin-error")).ToContainTextAsync("couldn't sign you in");
        await journey.ScreenshotAsync("password-refused");

        // And the usernameless button signs in with the same key.
        await page.GotoAsync(apps.Portal.AbsoluteUri);
        await page.Locator("#passkey-signin").ClickAsync();
        await page.WaitForURLAsync(apps.Portal.AbsoluteUri);
        await Assertions.Expect(page.GetByTestId("home-email")).ToHaveTextAsync("owner@contoso.example");
        await journey.ScreenshotAsync("portal-home-usernameless");
    }

    [Fact]
    public async Task A_synced_passkey_is_refused_with_the_reason()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(A_synced_passkey_is_refused_with_the_reason));
        var page = journey.Page;
        await journey.AddAuthenticatorAsync(VirtualAuthenticatorOptions.SyncedPasskey);

        await page.GotoAsync(new Uri(apps.IdP, "signin/password?next=create-passkey").AbsoluteUri);
        await page.Locator("#Email").FillAsync("owner@northwind.example");
        await page.Locator("#Password").FillAsync(Password);
        await page.Locator("#password-submit").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/signin/create-passkey", StringComparison.Ordinal));
        await page.Locator("#create-passkey").ClickAsync();

        await Assertions.Expect(page.Locator("#passkey-error")).ToContainTextAsync("synced");
        Assert.Contains("/signin/create-passkey", page.Url, StringComparison.Ordinal);
        await journey.ScreenshotAsync("synced-passkey-refused");
    }
}
