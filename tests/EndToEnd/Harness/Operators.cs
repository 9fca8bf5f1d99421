using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.EndToEnd.Harness;

/// <summary>
/// Platform operators for browser journeys. The console admits operators signed in with a
/// passkey only, so each journey makes its own operator (with a password, like a new member of
/// the vendor's staff) and moves them to a passkey on the way in, as a real operator would.
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
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = DateTimeOffset.UtcNow;
        var user = User.Create(email, email.ToUpperInvariant(), UserState.Pending, now);
        user.TransitionTo(UserState.Active, now);
        user.IsPlatformOperator = true;
        user.EmailConfirmed = true;
        user.PasswordHash = new PasswordHasher<User>().HashPassword(user, Password);
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return email;
    }

    /// <summary>
    /// From the console: password sign-in at the IdP, create a passkey on a virtual security key
    /// when offered, then sign in with it; ends on the console's home page.
    /// </summary>
    public static async Task SignInToConsoleAsync(this Journey journey, KeyPortalApps apps, string email)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(apps);
        var page = journey.Page;
        await journey.AddAuthenticatorAsync(VirtualAuthenticatorOptions.SecurityKey);
        await page.GotoAsync(apps.Admin.AbsoluteUri);
        await page.Locator("#create-passkey-entry").ClickAsync();
        await page.Locator("#Email").FillAsync(email);
        await page.Locator("#Password").FillAsync(Password);
        await page.Locator("#password-submit").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/signin/create-passkey", StringComparison.Ordinal));
        await page.Locator("#create-passkey").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/signin/passkey-created", StringComparison.Ordinal));
        await page.Locator("#signin-again").ClickAsync();
        await page.Locator("#Email").FillAsync(email);
        await page.Locator("#continue").ClickAsync();
        await page.WaitForURLAsync(apps.Admin.AbsoluteUri);
    }
}
