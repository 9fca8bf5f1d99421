using System.Net;
using KeyPortal.Core.Seeding;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Tests.Links;
using KeyPortal.IdP.Tests.SignIn;
using KeyPortal.IdP.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Account;

/// <summary>Turning authenticator-app codes off takes the whole second factor with it.</summary>
[Collection(SharedIdp.Name)]
public sealed class TotpTurnOffTests(IdpHost factory)
{
    [Fact]
    public async Task Turning_codes_off_removes_the_recovery_codes_too()
    {
        var email = await factory.NewPersonAsync();
        var key = await TotpSignIn.EnableAsync(factory, email);
        IReadOnlyList<string> recoveryCodes;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
            recoveryCodes = [.. (await users.GenerateNewTwoFactorRecoveryCodesAsync((await users.FindByEmailAsync(email))!, 10))!];
        }

        using var browser = new LinkBrowser(factory);
        var form = await TotpSignIn.PasswordStepAsync(browser.Oidc, email);
        using (var signedIn = await TotpSignIn.PostCodeAsync(browser.Oidc, form, Totp.Code(key, DateTimeOffset.UtcNow)))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        }

        await browser.OpenAsync("/account");
        var off = await browser.SubmitAsync("DisableTotp", new Dictionary<string, string> { ["CurrentPassword"] = DemoSeeder.DemoPassword });
        Assert.Equal(HttpStatusCode.OK, off.Status);
        Assert.True(off.Shows("totp-off"));

        await using (var db = factory.Database.CreateContext())
        {
            var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
            Assert.False(await db.UserTokens.AnyAsync(t => t.UserId == userId && t.Name == IdentityTokenNames.RecoveryCodes));
        }

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
            var user = (await users.FindByEmailAsync(email))!;
            Assert.Equal(0, await users.CountRecoveryCodesAsync(user));
            Assert.False((await users.RedeemTwoFactorRecoveryCodeAsync(user, recoveryCodes[0])).Succeeded);
        }
    }
}
