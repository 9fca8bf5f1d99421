using System.Net;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport.RelyingParty;

namespace KeyPortal.Portal.Tests.Sessions;

public sealed class PortalRelyingPartyTests(RelyingPartyAppFactory<Program> factory)
    : RelyingPartyTests<Program>(factory), IClassFixture<RelyingPartyAppFactory<Program>>
{
    protected override string ClientId => "portal";

    protected override Uri AppUrl => new("http://localhost:5001/");

    protected override string CookieName => "KeyPortal.Portal";

    protected override string HomeHeading => "Customer portal";

    protected override bool ApiAdmitsClients => true;

    protected override bool ApiAdmitsApiTokens => true;

    protected override Task<User> CreateAdmittedUserAsync(UserState state = UserState.Active) => Members.AddAsync(null, MemberRoles.Owner, state);

    /// <summary>Active, with a live IdP session, but a member of no organization.</summary>
    protected override Task<User> CreateRefusedUserAsync() => Members.AddWithoutOrganizationAsync();

    [Fact]
    public async Task The_organization_API_follows_the_members_permission_of_the_moment()
    {
        var (user, token, _, _) = await MemberTokenAsync();
        var path = new Uri("/api/organization", UriKind.Relative);

        using (var response = await CallAsync(path, token))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains(user.Email!, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A suspended account holds no session, so its tokens stop authenticating at once.
        await Users.TransitionAsync(user, UserState.Suspended);
        using var suspended = await CallAsync(path, token);
        Assert.Equal(HttpStatusCode.Unauthorized, suspended.StatusCode);
        Assert.Equal("application/problem+json", suspended.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_client_token_is_no_member_and_gets_403_from_the_organization_API()
    {
        var entry = await CreateTokenEntryAsync("delivery-system");
        using var response = await CallAsync(new Uri("/api/organization", UriKind.Relative), Factory.IdentityProvider.IssueAccessToken("delivery-system", entry));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Platform_operator_without_a_membership_is_not_admitted()
    {
        var user = await Members.AddWithoutOrganizationAsync(isOperator: true);
        var session = await Users.StartSessionAsync(user);

        Assert.Equal(SessionRejection.NotAdmitted, await ValidateAsync(Principal(user.Id, session.Id)));
    }

    [Fact]
    public async Task Home_page_lists_the_members_organizations()
    {
        var (browser, user, _) = await SignedInAsync();
        using (browser)
        {
            var html = await browser.GetStringAsync(new Uri("/", UriKind.Relative));

            Assert.Contains("Your organizations", html, StringComparison.Ordinal);
            Assert.Contains(WebUtility.HtmlEncode($"Organization {user.Email}"), html, StringComparison.Ordinal);
        }
    }
}
