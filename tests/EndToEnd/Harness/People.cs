using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.EndToEnd.Harness;

/// <summary>
/// Organizations and people made for one test (with a password, to sign in without a key), so
/// that no other browser test is affected by what the test does to them.
/// </summary>
public sealed class People(KeyPortalApps apps)
{
    public const string Password = "Journey-Password-2026";

    /// <summary>A Customer organization; its short name is the name in lower case with hyphens.</summary>
    public async Task<Organization> OrganizationAsync(string name)
    {
        await using var scope = apps.CoreServices();
        return await scope.ServiceProvider.GetRequiredService<OrganizationService>()
            .CreateAsync(AuditActor.System, name, name.ToLowerInvariant().Replace(' ', '-'), OrganizationKind.Customer);
    }

    /// <summary>An Active person with a password, member of the given organizations.</summary>
    public async Task<string> PersonAsync(string email, params (Organization Organization, MemberRoles Roles)[] memberships)
    {
        ArgumentNullException.ThrowIfNull(memberships);
        await using var scope = apps.CoreServices();
        var members = Members.In(scope.ServiceProvider);
        foreach (var (organization, roles) in memberships)
        {
            // The first adds the account; each further one adds a membership to it.
            await members.AddAsync(organization.Id, roles, UserState.Active, email, Password);
        }

        return email;
    }

    /// <summary>Signs in to the Portal with the password, declining the offer to create a passkey.</summary>
    public async Task SignInAsync(IPage page, string email)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync(apps.Portal.AbsoluteUri);
        await page.Locator("#password-signin").ClickAsync();
        await page.Locator("#Email").FillAsync(email);
        await page.Locator("#Password").FillAsync(Password);
        await page.Locator("#password-submit").ClickAsync();
        await page.Locator("#not-now").ClickAsync();
        await page.WaitForURLAsync(apps.Portal.AbsoluteUri);
    }
}
