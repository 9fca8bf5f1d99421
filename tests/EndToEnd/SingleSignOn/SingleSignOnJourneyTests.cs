using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.TestSupport.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.EndToEnd.SingleSignOn;

/// <summary>
/// Single sign-on in a real browser against customers' real identity providers: an Owner
/// connects SimpleSAMLphp on the settings page, tests the connection in a popup and turns it on;
/// a member then signs in through it into the Portal. The same for an OpenID Connect provider.
/// </summary>
[Collection(KeyPortalApps.Collection)]
public sealed class SingleSignOnJourneyTests(KeyPortalApps apps)
{
    private const string IdpPassword = "Customer-IdP-Password-1";

    [Fact]
    public async Task An_owner_connects_simplesamlphp_tests_it_turns_it_on_and_a_member_signs_in_through_it_into_the_portal()
    {
        var people = new People(apps);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var organization = await people.OrganizationAsync($"Fabrikam {suffix}");
        var owner = await people.PersonAsync($"owner.{suffix}@fabrikam.example", (organization, MemberRoles.Owner));
        var member = await people.PersonAsync($"member.{suffix}@fabrikam.example", (organization, MemberRoles.Auditor));
        await using var idp = await SimpleSamlPhpIdp.StartAsync(new SimpleSamlPhpOptions
        {
            ServiceProviderEntityId = SsoAddresses.SamlEntityId(apps.IdP, organization.Slug),
            AssertionConsumerServiceUrl = SsoAddresses.SamlAssertionConsumerService(apps.IdP, organization.Slug),
            Users = [new SamlTestUser(member, IdpPassword, member)],
        });

        await using (var journey = await apps.StartJourneyAsync(nameof(An_owner_connects_simplesamlphp_tests_it_turns_it_on_and_a_member_signs_in_through_it_into_the_portal) + "-owner"))
        {
            var page = journey.Page;
            await SignInWithNewPasskeyAsync(journey, owner);
            await page.GotoAsync(new Uri(apps.Portal, "organization/sso").AbsoluteUri);
            await Assertions.Expect(page.Locator("#sso-sp-metadata")).ToContainTextAsync($"/sso/{organization.Slug}/saml/metadata");
            await page.Locator("input[name='Saml.Source'][value='url']").CheckAsync();
            await page.Locator("#saml-metadata-url").FillAsync(idp.MetadataUrl.AbsoluteUri);
            await journey.ScreenshotAsync("sso-settings");
            await page.Locator("#saml-save").ClickAsync();
            await Assertions.Expect(page.Locator("#sso-connection")).ToContainTextAsync(idp.EntityId);

            // The customer's administrator imports our metadata from the address the page shows.
            using (var http = new HttpClient())
            {
                await idp.UpdateServiceProviderAsync(await http.GetStringAsync(SsoAddresses.SamlMetadata(apps.IdP, organization.Slug)));
            }

            var popup = await page.RunAndWaitForPopupAsync(() => page.Locator("#sso-test").ClickAsync());
            await popup.Locator("input[name=username]").FillAsync(member);
            await popup.Locator("input[name=password]").FillAsync(IdpPassword);
            await popup.Locator("input[name=password]").PressAsync("Enter");
            await Assertions.Expect(popup.Locator("#test-outcome")).ToHaveTextAsync("The connection works", new() { Timeout = 30_000 });
            await Assertions.Expect(popup.Locator("#test-email")).ToHaveTextAsync(member);
            await Assertions.Expect(popup.Locator("#test-member")).ToContainTextAsync("member");
            await Artifacts.TryScreenshotAsync(popup, Path.Combine(journey.ArtifactDirectory, "test-connection.png"));
            await popup.CloseAsync();

            await page.Locator("#sso-enable").ClickAsync();
            await Assertions.Expect(page.Locator("#sso-enabled")).ToBeVisibleAsync();
            await journey.ScreenshotAsync("sso-on");
        }

        // The tested connection signed nobody in; the member now signs in through the login link.
        await using (var journey = await apps.StartJourneyAsync(nameof(An_owner_connects_simplesamlphp_tests_it_turns_it_on_and_a_member_signs_in_through_it_into_the_portal)))
        {
            var page = journey.Page;
            await page.GotoAsync(SsoAddresses.LoginLink(apps.IdP, organization.Slug).AbsoluteUri);
            await page.Locator("input[name=username]").FillAsync(member);
            await page.Locator("input[name=password]").FillAsync(IdpPassword);
            await journey.ScreenshotAsync("customer-idp-login");
            await page.Locator("input[name=password]").PressAsync("Enter");
            await page.WaitForURLAsync(apps.Portal.AbsoluteUri, new() { Timeout = 30_000 });
            await Assertions.Expect(page.GetByTestId("home-email")).ToHaveTextAsync(member);
            await Assertions.Expect(page.GetByTestId("current-organization")).ToHaveTextAsync(organization.Name);
            await journey.ScreenshotAsync("portal-home");
        }

        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var memberId = await db.Users.Where(u => u.Email == member).Select(u => u.Id).SingleAsync();
        var sessions = await db.UserSessions.AsNoTracking().Where(s => s.UserId == memberId).ToListAsync();
        var session = Assert.Single(sessions);
        Assert.Equal(organization.Id, session.FederatedOrganizationId);
        Assert.True(await db.AuditEntries.AnyAsync(a => a.OrganizationId == organization.Id && a.Action == AuditActions.SsoTested));
    }

    [Fact]
    public async Task A_member_signs_in_through_the_organizations_openid_connect_provider_into_the_portal()
    {
        var people = new People(apps);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var organization = await people.OrganizationAsync($"Tailspin {suffix}");
        var member = await people.PersonAsync($"member.{suffix}@tailspin.example", (organization, MemberRoles.Auditor));
        await using var provider = await OidcProviderIdp.StartAsync(new OidcProviderOptions
        {
            ClientId = "key-portal",
            ClientSecret = "a-long-client-secret-for-the-test",
            RedirectUri = SsoAddresses.OidcCallback(apps.IdP),
            Users = [new OidcTestUser($"sub-{suffix}", member, EmailVerified: true, IdpPassword)],
        });
        await using (var scope = apps.CoreServices())
        {
            var sso = scope.ServiceProvider.GetRequiredService<SsoService>();
            await sso.SaveOidcAsync(AuditActor.System, organization.Id, new OidcConnectionSettings(provider.Issuer, "key-portal", "a-long-client-secret-for-the-test"));
            await sso.SetEnabledAsync(AuditActor.System, organization.Id, true);
        }

        await using var journey = await apps.StartJourneyAsync(nameof(A_member_signs_in_through_the_organizations_openid_connect_provider_into_the_portal));
        var page = journey.Page;
        await page.GotoAsync(SsoAddresses.LoginLink(apps.IdP, organization.Slug).AbsoluteUri);
        await page.Locator("input[name=login]").FillAsync(member);
        await page.Locator("input[name=password]").FillAsync(IdpPassword);
        await journey.ScreenshotAsync("customer-oidc-login");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(apps.Portal.AbsoluteUri, new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("home-email")).ToHaveTextAsync(member);
        await journey.ScreenshotAsync("portal-home");
    }

    /// <summary>Signs in with the password, creates a passkey on a virtual security key, and signs in with it (a passkey session).</summary>
    private async Task SignInWithNewPasskeyAsync(Journey journey, string email)
    {
        var page = journey.Page;
        await journey.AddAuthenticatorAsync(VirtualAuthenticatorOptions.SecurityKey);
        await page.GotoAsync(apps.Portal.AbsoluteUri);
        await page.Locator("#create-passkey-entry").ClickAsync();
        await page.Locator("#Email").FillAsync(email);
        await page.Locator("#Password").FillAsync(People.Password);
        await page.Locator("#password-submit").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/signin/create-passkey", StringComparison.Ordinal));
        await page.Locator("#create-passkey").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/signin/passkey-created", StringComparison.Ordinal));
        await page.Locator("#signin-again").ClickAsync();
        await page.Locator("#Email").FillAsync(email);
        await page.Locator("#continue").ClickAsync();
        await page.WaitForURLAsync(apps.Portal.AbsoluteUri);
    }
}
