namespace KeyPortal.EndToEnd.SignIn;

/// <summary>
/// Portal and Admin as relying parties of the real IdP, through the legacy password sign-in
/// (the passkey journeys live with the IdP's tests). Uses demo accounts no other browser test
/// signs in with: admin@contoso.example (member of Contoso); operators are made per journey.
/// </summary>
[Collection(KeyPortalApps.Collection)]
public sealed class RelyingPartyJourneyTests(KeyPortalApps apps)
{
    private const string Password = "Demo-Password-2026";

    [Fact]
    public async Task Member_signs_in_to_the_portal_is_refused_by_the_console_and_signs_out_everywhere()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(Member_signs_in_to_the_portal_is_refused_by_the_console_and_signs_out_everywhere));
        var page = journey.Page;

        await page.GotoAsync(apps.Portal.AbsoluteUri);
        await SignInWithPasswordAsync(journey, "admin@contoso.example");

        Assert.Equal(apps.Portal.AbsoluteUri, page.Url);
        await Assertions.Expect(page.GetByTestId("home-email")).ToHaveTextAsync("admin@contoso.example");
        await Assertions.Expect(page.Locator("ul.organizations")).ToContainTextAsync("Contoso");
        await Assertions.Expect(page.GetByTestId("signed-in-email")).ToHaveTextAsync("admin@contoso.example");
        await journey.ScreenshotAsync("portal-home");

        // Single sign-on into the console: the IdP session answers, the console refuses a non-operator.
        var refused = await page.GotoAsync(apps.Admin.AbsoluteUri);
        Assert.Equal(new Uri(apps.Admin, "access-denied").AbsoluteUri, page.Url);
        Assert.Equal(403, refused!.Status);
        await Assertions.Expect(page.Locator("main h1")).ToHaveTextAsync("No access");
        await journey.ScreenshotAsync("console-refuses-member");

        await page.GotoAsync(apps.Portal.AbsoluteUri);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(new Uri(apps.Portal, "welcome").AbsoluteUri);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).First).ToBeVisibleAsync();
        await journey.ScreenshotAsync("signed-out");

        // The IdP session ended too: the portal asks for a new sign-in.
        await page.GotoAsync(apps.Portal.AbsoluteUri);
        Assert.StartsWith(new Uri(apps.IdP, "signin").AbsoluteUri, page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_console_refuses_an_operator_signed_in_with_a_password()
    {
        var email = await apps.NewOperatorAsync();
        await using var journey = await apps.StartJourneyAsync(nameof(The_console_refuses_an_operator_signed_in_with_a_password));
        var page = journey.Page;

        await page.GotoAsync(apps.Admin.AbsoluteUri);
        await SignInWithPasswordAsync(journey, email, Operators.Password);

        Assert.Equal(new Uri(apps.Admin, "access-denied").AbsoluteUri, page.Url);
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("security key");
        await journey.ScreenshotAsync("console-refuses-password-operator");
    }

    [Fact]
    public async Task Operator_signs_in_to_the_console_and_signing_out_elsewhere_ends_the_console_session()
    {
        var email = await apps.NewOperatorAsync();
        await using var journey = await apps.StartJourneyAsync(nameof(Operator_signs_in_to_the_console_and_signing_out_elsewhere_ends_the_console_session));
        var page = journey.Page;

        await journey.SignInToConsoleAsync(apps, email);

        Assert.Equal(apps.Admin.AbsoluteUri, page.Url);
        await Assertions.Expect(page.GetByTestId("home-email")).ToHaveTextAsync(email);
        await journey.ScreenshotAsync("console-home");

        // Operators are not members: the portal refuses them, and offers to sign out. The
        // portal holds no session for them, so the IdP asks before ending its own.
        await page.GotoAsync(apps.Portal.AbsoluteUri);
        Assert.Equal(new Uri(apps.Portal, "access-denied").AbsoluteUri, page.Url);
        await journey.ScreenshotAsync("portal-refuses-operator");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out and use another account" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/signout?", StringComparison.Ordinal));
        await journey.ScreenshotAsync("idp-confirms-sign-out");
        await page.Locator("#signout").ClickAsync();
        await page.WaitForURLAsync(new Uri(apps.Portal, "welcome").AbsoluteUri);

        // That ended the IdP session; the console's cookie is still in the browser, but the
        // console checks the session on every request and lets it go.
        await page.GotoAsync(apps.Admin.AbsoluteUri);
        Assert.StartsWith(new Uri(apps.IdP, "signin").AbsoluteUri, page.Url, StringComparison.Ordinal);
        var cookies = await journey.Context.CookiesAsync([apps.Admin.AbsoluteUri]);
        Assert.DoesNotContain(cookies, c => c.Name == "KeyPortal.Admin");
        await journey.ScreenshotAsync("console-asks-to-sign-in-again");
    }

    /// <summary>From the IdP's sign-in page: password sign-in, declining the offer to create a passkey.</summary>
    private static async Task SignInWithPasswordAsync(Journey journey, string email, string password = Password)
    {
        var page = journey.Page;
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with a password instead" }).ClickAsync();
        await page.Locator("#Email").FillAsync(email);
        await page.Locator("#Password").FillAsync(password);
        await journey.ScreenshotAsync("idp-password");
        await page.Locator("#password-submit").ClickAsync();

        // Password users are offered to create a passkey after each password sign-in.
        var notNow = page.Locator("#not-now");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        if (await notNow.IsVisibleAsync())
        {
            await journey.ScreenshotAsync("idp-offers-passkey");
            await notNow.ClickAsync();
        }

        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    }
}
