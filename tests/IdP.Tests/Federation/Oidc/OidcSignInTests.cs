using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Seeding;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.IdP.Tests.Support;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.Peers;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Tests.Federation.Oidc;

/// <summary>Sign-in through an organization's OpenID Connect provider (a real one: npm oidc-provider), through HTTP as a browser.</summary>
public sealed class OidcSignInTests(OidcPeerFixture peer) : IClassFixture<OidcPeerFixture>
{
    private const string Failed = "/sso/failed";

    private IdpHost Host => peer.Host;

    [Fact]
    public async Task A_member_signed_in_by_the_provider_gets_a_federated_session_of_that_organization()
    {
        var person = peer.NextVerified();
        var organization = await peer.OrganizationAsync();
        var member = await Host.Members.AddAsync(organization.Id, MemberRoles.Admin, email: person.Email);
        using var browser = new UpstreamOidcBrowser(Host);

        var end = await browser.SignInAsync($"/sso/{organization.Slug}", person);

        Assert.True(end == "/sso/signed-in", string.Join("\n", Host.Logs.Lines.Where(l => l.Contains("refused", StringComparison.Ordinal) || l.Contains("OpenIddict", StringComparison.Ordinal)).TakeLast(30)));
        await using var db = Host.Database.CreateContext();
        var session = await db.UserSessions.AsNoTracking().SingleAsync(s => s.UserId == member.Id);
        Assert.Equal(organization.Id, session.FederatedOrganizationId);
        Assert.Equal(AuthenticationMethods.Federated, session.AuthenticationMethods);
        Assert.Null(session.EndedAt);
        Assert.True(await db.AuditEntries.AnyAsync(a => a.OrganizationId == organization.Id && a.TargetUserId == member.Id && a.Action == "signin.succeeded"));
    }

    [Fact]
    public async Task An_address_the_provider_has_not_verified_is_refused()
    {
        var person = peer.NextUnverified();
        var organization = await peer.OrganizationAsync();
        var member = await Host.Members.AddAsync(organization.Id, MemberRoles.Admin, email: person.Email);
        using var browser = new UpstreamOidcBrowser(Host);

        Assert.Equal(Failed, await browser.SignInAsync($"/sso/{organization.Slug}", person));

        Assert.Equal("email_not_verified", await RefusalAsync(organization.Id));
        await AssertNoSessionAsync(member.Id);
    }

    [Fact]
    public async Task Someone_who_is_not_a_member_is_refused_with_the_generic_page()
    {
        var person = peer.NextVerified();
        var organization = await peer.OrganizationAsync();
        using var browser = new UpstreamOidcBrowser(Host);

        var end = await browser.SignInAsync($"/sso/{organization.Slug}", person);

        Assert.Equal(Failed, end);
        var page = await browser.Idp.Http.GetStringAsync(new Uri(end, UriKind.Relative));
        Assert.DoesNotContain("not_member", page, StringComparison.Ordinal);
        Assert.Equal("not_member", await RefusalAsync(organization.Id));
        await using var db = Host.Database.CreateContext();
        Assert.False(await db.UserSessions.AnyAsync(s => s.FederatedOrganizationId == organization.Id));
    }

    [Fact]
    public async Task A_connection_changed_between_start_and_callback_is_refused()
    {
        var person = peer.NextVerified();
        var organization = await peer.OrganizationAsync();
        var member = await Host.Members.AddAsync(organization.Id, MemberRoles.Admin, email: person.Email);
        using var browser = new UpstreamOidcBrowser(Host);
        var callback = await browser.SignInAtProviderAsync(await browser.OpenLoginFormAsync($"/sso/{organization.Slug}"), person);

        // An Owner saves the connection again while the member is at the provider: its version grows.
        await peer.ConnectAsync(organization.Id);

        Assert.Equal(Failed, await browser.CallbackAsync(callback));
        Assert.Equal("connection_changed", await RefusalAsync(organization.Id));
        await AssertNoSessionAsync(member.Id);
    }

    [Fact]
    public async Task A_replayed_callback_signs_nobody_in_a_second_time()
    {
        var person = peer.NextVerified();
        var organization = await peer.OrganizationAsync();
        var member = await Host.Members.AddAsync(organization.Id, MemberRoles.Admin, email: person.Email);
        using var browser = new UpstreamOidcBrowser(Host);
        var callback = await browser.SignInAtProviderAsync(await browser.OpenLoginFormAsync($"/sso/{organization.Slug}"), person);
        Assert.Equal("/sso/signed-in", await browser.CallbackAsync(callback));

        // The same answer again, from the same browser and from another one.
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        Assert.Equal(Failed, await browser.CallbackAsync(callback));
        using var other = new UpstreamOidcBrowser(Host);
        Assert.Equal(Failed, await other.CallbackAsync(callback));

        await using var db = Host.Database.CreateContext();
        Assert.Equal(1, await db.UserSessions.CountAsync(s => s.UserId == member.Id));
        Assert.Equal(2, await db.AuditEntries.CountAsync(a => a.Action == "signin.failed" && a.OrganizationId == null
            && a.Details.Contains("\"protocol\":\"oidc\"") && a.Details.Contains("\"reason\":\"invalid_state\"")
            && a.OccurredAt >= since));
    }

    [Fact]
    public async Task A_callback_that_the_browser_did_not_start_is_refused()
    {
        var person = peer.NextVerified();
        var organization = await peer.OrganizationAsync();
        var member = await Host.Members.AddAsync(organization.Id, MemberRoles.Admin, email: person.Email);
        using var victim = new UpstreamOidcBrowser(Host);
        var callback = await victim.SignInAtProviderAsync(await victim.OpenLoginFormAsync($"/sso/{organization.Slug}"), person);

        // Someone else's browser is sent the callback URL (login CSRF): its cookies are not the starter's.
        using var attacker = new UpstreamOidcBrowser(Host);
        Assert.Equal(Failed, await attacker.CallbackAsync(callback));

        await AssertNoSessionAsync(member.Id);
    }

    [Fact]
    public async Task An_owners_test_run_records_what_came_back_and_starts_no_session()
    {
        var person = peer.NextVerified();
        var organization = await peer.OrganizationAsync(enabled: false);
        var ownerEmail = $"owner-{Guid.NewGuid():N}@owner.example";
        await Host.Members.AddAsync(organization.Id, MemberRoles.Owner, email: ownerEmail, password: DemoSeeder.DemoPassword);
        var member = await Host.Members.AddAsync(organization.Id, MemberRoles.Admin, email: person.Email);
        using var browser = new UpstreamOidcBrowser(Host);
        using var authenticator = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid);
        await PasskeySessionAsync(browser.Idp, authenticator, ownerEmail);

        var end = await browser.SignInAsync($"/sso/{organization.Slug}/test", person);

        Assert.StartsWith($"/sso/{organization.Slug}/test/", end, StringComparison.Ordinal);
        await using var db = Host.Database.CreateContext();
        var result = await db.Set<SsoTestResult>().AsNoTracking().SingleAsync(r => r.OrganizationId == organization.Id);
        Assert.True(result.Succeeded, result.Details);
        Assert.Contains(person.Subject, result.Details, StringComparison.Ordinal);
        Assert.Contains(person.Email, result.Details, StringComparison.Ordinal);
        await AssertNoSessionAsync(member.Id);
        Assert.Contains(person.Subject, await browser.Idp.Http.GetStringAsync(new Uri(end, UriKind.Relative)), StringComparison.Ordinal);
    }

    private async Task<string?> RefusalAsync(Guid organizationId)
    {
        await using var db = Host.Database.CreateContext();
        var details = await db.AuditEntries.Where(a => a.OrganizationId == organizationId && a.Action == "signin.failed")
            .OrderByDescending(a => a.Id).Select(a => a.Details).FirstOrDefaultAsync();
        Assert.NotNull(details);
        using var json = JsonDocument.Parse(details);
        Assert.Equal("oidc", json.RootElement.GetProperty("protocol").GetString());
        return json.RootElement.GetProperty("reason").GetString();
    }

    private async Task AssertNoSessionAsync(Guid userId)
    {
        await using var db = Host.Database.CreateContext();
        Assert.False(await db.UserSessions.AnyAsync(s => s.UserId == userId));
    }

    /// <summary>The Owner moves to a passkey (password sign-in, then registration) and signs in with it, as PasskeySignInTests do.</summary>
    private static async Task PasskeySessionAsync(OidcBrowser browser, SoftwareAuthenticator authenticator, string email)
    {
        const string Origin = "http://localhost";
        using var signedIn = await browser.SignInWithPasswordAsync(email, DemoSeeder.DemoPassword);
        Assert.StartsWith("/signin/create-passkey", signedIn.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var token = OidcBrowser.AntiforgeryToken(await browser.Http.GetStringAsync(new Uri(signedIn.Headers.Location.OriginalString, UriKind.Relative)));
        var start = await PostAsync(browser, "/signin/passkey/register/options", new { }, token);
        var attestation = authenticator.CreateAttestationJson(start.GetProperty("options").GetRawText(), Origin);
        await PostAsync(browser, "/signin/passkey/register/complete",
            new { ceremonyId = start.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(attestation), returnUrl = "/" }, token);

        token = OidcBrowser.AntiforgeryToken(await browser.Http.GetStringAsync(new Uri("/signin", UriKind.Relative)));
        var options = await PostAsync(browser, "/signin/passkey/options", new { email }, token);
        var assertion = authenticator.CreateAssertionJson(options.GetProperty("options").GetRawText(), Origin);
        await PostAsync(browser, "/signin/passkey/complete",
            new { ceremonyId = options.GetProperty("ceremonyId").GetGuid(), credential = JsonNode.Parse(assertion), returnUrl = "/" }, token);
    }

    private static async Task<JsonElement> PostAsync(OidcBrowser browser, string path, object body, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) };
        request.Headers.Add("RequestVerificationToken", token);
        using var response = await browser.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
