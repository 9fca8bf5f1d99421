using System.Net;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Tests.Sessions;

[Collection(AdminApp.Collection)]
public sealed class AdminRelyingPartyTests(RelyingPartyAppFactory<Program> factory)
    : RelyingPartyTests<Program>(factory)
{
    protected override string ClientId => "admin";

    protected override Uri AppUrl => new("http://localhost:5002/");

    protected override string CookieName => "KeyPortal.Admin";

    protected override string HomeHeading => "Operator console";

    /// <summary>Operators are not members of customer organizations by virtue of their role.</summary>
    protected override Task<User> CreateAdmittedUserAsync(UserState state = UserState.Active) =>
        Members.AddWithoutOrganizationAsync(state, isOperator: true);

    /// <summary>An Owner of a customer organization: organization roles give no access to the console.</summary>
    protected override Task<User> CreateRefusedUserAsync() => Members.AddAsync(null, MemberRoles.Owner);

    [Theory]
    [InlineData("pwd")]
    [InlineData("pwd mfa")]
    public async Task An_operator_signed_in_without_a_passkey_is_refused(string methods)
    {
        var user = await Members.AddWithoutOrganizationAsync(isOperator: true);
        var session = await Users.StartSessionAsync(user, methods: methods);
        using var browser = Factory.CreateBrowser();

        // The id_token may say what it likes: the IdP's session row decides.
        using var callback = await Factory.SignInAsync(browser, SignedInUsers.ClaimsOf(user, session) with { AuthenticationMethods = ["hwk", "user"] });

        Assert.Equal(new Uri(AppUrl, "access-denied"), new Uri(AppUrl, callback.Headers.Location!));
        Assert.Equal(SessionRejection.NotAdmitted, await ValidateAsync(Principal(user.Id, session.Id)));
        using var denied = await browser.GetAsync(new Uri("/access-denied", UriKind.Relative));
        Assert.Contains("security key", await denied.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operator_who_loses_operator_status_is_signed_out_on_the_next_request()
    {
        var (browser, user, session) = await SignedInAsync();
        using (browser)
        {
            await using (var scope = Factory.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
                (await db.Users.SingleAsync(u => u.Id == user.Id)).IsPlatformOperator = false;
                await db.SaveChangesAsync();
            }

            using var response = await browser.GetAsync(new Uri("/", UriKind.Relative));

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("http://localhost:5000/connect/authorize?", response.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
            Assert.Equal(SessionRejection.NotAdmitted, await ValidateAsync(Principal(user.Id, session.Id)));
        }
    }
}
