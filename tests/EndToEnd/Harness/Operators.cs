using KeyPortal.Core.Auditing;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Resets;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.EndToEnd.Harness;

/// <summary>
/// Platform operators for browser journeys. The console admits operators signed in with a
/// passkey only, so each journey makes its own operator (with a password, like a new member of
/// the vendor's staff) and gives them a passkey through an emailed set-up link, as a real
/// operator gets one.
/// </summary>
public static class Operators
{
    public const string Password = "Operator-Password-2026";

    /// <summary>A new Active platform operator with a password and no passkey.</summary>
    public static async Task<string> NewOperatorAsync(this KeyPortalApps apps)
    {
        ArgumentNullException.ThrowIfNull(apps);
        var email = $"operator.{Guid.NewGuid():N}"[..24] + "@keyportal.example";
        await using var scope = apps.CoreServices();
        var user = await Members.In(scope.ServiceProvider).AddWithoutOrganizationAsync(UserState.Active, isOperator: true, email, Password);
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.EmailConfirmed, true));
        return email;
    }

    /// <summary>
    /// The way an operator gets a passkey (a password session may not enrol one): the account is
    /// reset as an operator (or "KeyPortal.Admin operator-link") would, and the emailed links
    /// register a virtual security key; then the console, which admits the passkey session.
    /// </summary>
    public static async Task SignInToConsoleAsync(this Journey journey, KeyPortalApps apps, string email)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(apps);
        await using (var scope = apps.CoreServices())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
            await scope.ServiceProvider.GetRequiredService<AccountResetService>().ResetUserAsync(AuditActor.System, userId, null, apps.IdP);
        }

        var page = journey.Page;
        var reset = await apps.Mailbox.NextAsync(email, "account was reset");
        await page.GotoAsync(reset.Link(new Uri(apps.IdP, "reset/").AbsoluteUri).AbsoluteUri);
        await page.Locator("#send-code").ClickAsync();
        await page.Locator("#Code").FillAsync((await apps.Mailbox.NextAsync(email, "code")).Code());
        await page.Locator("#confirm-code").ClickAsync();
        await Assertions.Expect(page.Locator("#activation-sent")).ToBeVisibleAsync();
        await journey.AddAuthenticatorAsync(VirtualAuthenticatorOptions.SecurityKey);
        var activation = await apps.Mailbox.NextAsync(email, "Register your new security key");
        await page.GotoAsync(activation.Link(new Uri(apps.IdP, "activate/").AbsoluteUri).AbsoluteUri);
        await page.Locator("#activate-passkey").ClickAsync();
        // Activation ends at the portal, which refuses an operator; the console admits the new session.
        await page.WaitForURLAsync(url => url.StartsWith(apps.Portal.AbsoluteUri, StringComparison.Ordinal));
        await page.GotoAsync(apps.Admin.AbsoluteUri);
        await page.WaitForURLAsync(apps.Admin.AbsoluteUri);
    }
}
