using System.Net;
using System.Net.Http.Json;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Federation.Saml;

/// <summary>
/// Sign-in through a customer's real SAML identity provider, as a browser does it: our login
/// link, the provider's login form, its auto-posting form to our ACS, and our session. The same
/// journeys against two makes of identity provider.
/// </summary>
public abstract class SamlSignInTests(SamlFixture fixture)
{
    [Fact]
    public async Task A_member_signs_in_through_the_organizations_identity_provider_into_an_organization_scoped_session()
    {
        var email = await fixture.MemberAsync(0);
        using var browser = new FederationBrowser(fixture.Host);

        await SignInAtIdpAsync(browser, $"/sso/{fixture.Slug}?returnUrl=%2Faccount", email);
        await browser.SubmitAsync();

        Assert.Equal(HttpStatusCode.OK, browser.Last!.StatusCode);
        Assert.Equal("/account", browser.Location.AbsolutePath);
        await using var db = fixture.Host.Database.CreateContext();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
        var session = await db.UserSessions.AsNoTracking().SingleAsync(s => s.UserId == user.Id);
        Assert.Equal(AuthenticationMethods.Federated, session.AuthenticationMethods);
        Assert.Equal(fixture.Organization.Id, session.FederatedOrganizationId);
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "signin.succeeded" && a.OrganizationId == fixture.Organization.Id && a.TargetUserId == user.Id));
        // The request was used: nothing outstanding is left for this browser.
        Assert.False(await db.Set<Core.SingleSignOn.SsoSignInRequest>().AnyAsync(r => r.OrganizationId == fixture.Organization.Id && r.ReturnUrl == "/account"));
    }

    [Fact]
    public async Task A_federated_session_changes_no_credential_of_the_account()
    {
        var email = await fixture.MemberAsync(1);
        using var browser = new FederationBrowser(fixture.Host);
        await SignInAtIdpAsync(browser, $"/sso/{fixture.Slug}?returnUrl=%2Faccount", email);
        await browser.SubmitAsync();
        Assert.Equal("/account", browser.Location.AbsolutePath);

        // Registering a passkey from this session is refused (it would outlive the provider's word).
        var token = browser.FormValue("__RequestVerificationToken");
        using var options = new HttpRequestMessage(HttpMethod.Post, "/account/passkeys/options") { Content = JsonContent.Create(new { }) };
        options.Headers.Add("RequestVerificationToken", token);
        using var refused = await browser.Ours.SendAsync(options);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        await using var db = fixture.Host.Database.CreateContext();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        Assert.False(await db.Set<Core.Passkeys.WebAuthnCeremony>().AnyAsync(c => c.UserId == userId));
    }

    [Fact]
    public async Task A_person_the_provider_knows_who_is_not_a_member_is_refused_with_the_reason_in_the_audit_trail()
    {
        var stranger = fixture.KnownEmails[2];
        using var browser = new FederationBrowser(fixture.Host);

        await SignInAtIdpAsync(browser, $"/sso/{fixture.Slug}", stranger);
        await browser.SubmitAsync();

        Assert.Equal("/sso/failed", browser.Location.AbsolutePath);
        await using var db = fixture.Host.Database.CreateContext();
        Assert.False(await db.Users.AnyAsync(u => u.Email == stranger));
        var refusal = await db.AuditEntries.AsNoTracking().Where(a => a.Action == "signin.failed" && a.OrganizationId == fixture.Organization.Id)
            .OrderByDescending(a => a.Id).FirstAsync();
        Assert.Contains("not_member", refusal.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_suspended_member_is_refused_like_anyone_else()
    {
        var email = await fixture.MemberAsync(3, state: UserState.Suspended);
        using var browser = new FederationBrowser(fixture.Host);

        await SignInAtIdpAsync(browser, $"/sso/{fixture.Slug}", email);
        await browser.SubmitAsync();

        Assert.Equal("/sso/failed", browser.Location.AbsolutePath);
        await using var db = fixture.Host.Database.CreateContext();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        Assert.False(await db.UserSessions.AnyAsync(s => s.UserId == userId));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "signin.failed" && a.TargetUserId == userId && a.Details.Contains("account_not_active")));
    }

    [Fact]
    public async Task The_same_response_posted_again_signs_nobody_in()
    {
        var email = await fixture.MemberAsync(4);
        using var browser = new FederationBrowser(fixture.Host);
        await SignInAtIdpAsync(browser, $"/sso/{fixture.Slug}", email);
        var acs = FederationBrowser.Forms(browser.Html).Single(f => f.Inputs.ContainsKey("SAMLResponse"));
        await browser.SubmitAsync();

        // Another browser (no binding cookie: our page posts it once more, from our origin)...
        using var again = new FederationBrowser(fixture.Host);
        await again.PostAsync(acs.Action, acs.Inputs);
        Assert.Equal("1", again.FormValue("reposted"));
        await again.SubmitAsync();
        Assert.Equal("/sso/failed", again.Location.AbsolutePath);
        // ...and the same browser again: its request was used up by the first answer.
        await browser.PostAsync(acs.Action, acs.Inputs);
        Assert.Equal("/sso/failed", browser.Location.AbsolutePath);
        await using var db = fixture.Host.Database.CreateContext();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        Assert.Equal(1, await db.UserSessions.CountAsync(s => s.UserId == userId));
    }

    [Fact]
    public async Task Sign_in_started_at_the_identity_provider_is_refused_until_the_organization_allows_it()
    {
        var email = await fixture.MemberAsync(5);
        using (var refused = new FederationBrowser(fixture.Host))
        {
            await SignInAtIdpAsync(refused, fixture.Idp.IdpInitiatedUrl(Core.SingleSignOn.SsoAddresses.SamlEntityId(new Uri(IdpHost.Issuer), fixture.Slug)).AbsoluteUri, email);
            await refused.SubmitAsync();
            Assert.Equal("/sso/failed", refused.Location.AbsolutePath);
        }

        await fixture.ConfigureAsync(allowIdpInitiated: true);
        try
        {
            using var browser = new FederationBrowser(fixture.Host);
            await SignInAtIdpAsync(browser, fixture.Idp.IdpInitiatedUrl(Core.SingleSignOn.SsoAddresses.SamlEntityId(new Uri(IdpHost.Issuer), fixture.Slug)).AbsoluteUri, email);
            await browser.SubmitAsync();

            // Signed in, then on to the Portal (not followed here).
            Assert.Equal(HttpStatusCode.Redirect, browser.Last!.StatusCode);
            Assert.Equal("http://localhost:5001/", browser.Last.Headers.Location?.AbsoluteUri);
            await using var db = fixture.Host.Database.CreateContext();
            var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
            Assert.Equal(fixture.Organization.Id, (await db.UserSessions.AsNoTracking().SingleAsync(s => s.UserId == userId)).FederatedOrganizationId);
        }
        finally
        {
            await fixture.ConfigureAsync(allowIdpInitiated: false);
        }
    }

    [Fact]
    public async Task An_unsolicited_response_is_accepted_once_then_refused_as_replayed_even_by_another_instance_on_the_database()
    {
        var email = await fixture.MemberAsync(6);
        await fixture.ConfigureAsync(allowIdpInitiated: true);
        try
        {
            using var browser = new FederationBrowser(fixture.Host);
            await SignInAtIdpAsync(browser, fixture.Idp.IdpInitiatedUrl(Core.SingleSignOn.SsoAddresses.SamlEntityId(new Uri(IdpHost.Issuer), fixture.Slug)).AbsoluteUri, email);
            var acs = FederationBrowser.Forms(browser.Html).Single(f => f.Inputs.ContainsKey("SAMLResponse"));
            await browser.SubmitAsync();
            Assert.Equal("http://localhost:5001/", browser.Last!.Headers.Location?.AbsoluteUri);

            // A second IdP instance on the same database (scale-out): the replay cache is the database's.
            await using var second = await IdpHost.StartAsync(o => o
                .Setting("Sso:AllowHttp", "true")
                .Setting("Database:ConnectionString", fixture.Host.Database.Options.ConnectionString));
            using var elsewhere = new FederationBrowser(second);
            await elsewhere.PostAsync(acs.Action, acs.Inputs);

            Assert.Equal("/sso/failed", elsewhere.Location.AbsolutePath);
            await using var db = fixture.Host.Database.CreateContext();
            var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
            Assert.Equal(1, await db.UserSessions.CountAsync(s => s.UserId == userId));
            Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "signin.failed" && a.OrganizationId == fixture.Organization.Id && a.Details.Contains("replayed")));
        }
        finally
        {
            await fixture.ConfigureAsync(allowIdpInitiated: false);
        }
    }

    [Fact]
    public async Task The_email_first_sign_in_page_sends_an_address_of_a_verified_domain_to_the_organizations_identity_provider()
    {
        var email = await fixture.MemberAsync(7);
        var domain = email[(email.IndexOf('@', StringComparison.Ordinal) + 1)..];
        var returnUrl = "/account?from=signin";
        using var browser = new FederationBrowser(fixture.Host);

        // Claimed but not verified: the address goes on to the passkey step like any other.
        Core.SingleSignOn.SsoDomain claim;
        await using (var scope = fixture.Host.Services.CreateAsyncScope())
        {
            claim = await scope.ServiceProvider.GetRequiredService<Core.SingleSignOn.SsoService>()
                .ClaimDomainAsync(Core.Auditing.AuditActor.System, fixture.Organization.Id, domain);
        }

        try
        {
            await browser.OpenAsync($"/signin?ReturnUrl={Uri.EscapeDataString(returnUrl)}");
            await browser.SubmitAsync(new Dictionary<string, string> { ["Email"] = email });
            Assert.StartsWith("/signin/passkey", browser.Location.AbsolutePath, StringComparison.Ordinal);

            await using (var scope = fixture.Host.Services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<Core.SingleSignOn.SsoService>()
                    .VerifyDomainByOperatorAsync(Core.Auditing.AuditActor.System, fixture.Organization.Id, claim.Id);
            }

            // Verified: the same address lands on the organization's identity provider, and the
            // sign-in ends where it was going.
            await browser.OpenAsync($"/signin?ReturnUrl={Uri.EscapeDataString(returnUrl)}");
            await browser.SubmitAsync(new Dictionary<string, string> { ["Email"] = email });
            Assert.Equal(fixture.Idp.BaseUrl.Authority, browser.Location.Authority);
            await browser.SubmitAsync(new Dictionary<string, string> { ["username"] = email, ["password"] = SamlFixture.Password });
            await browser.SubmitAsync();
            Assert.Equal(HttpStatusCode.OK, browser.Last!.StatusCode);
            Assert.Equal("/account", browser.Location.AbsolutePath);
            Assert.Equal("?from=signin", browser.Location.Query);
        }
        finally
        {
            await using var scope = fixture.Host.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<Core.SingleSignOn.SsoService>()
                .RemoveDomainAsync(Core.Auditing.AuditActor.System, fixture.Organization.Id, claim.Id);
        }
    }

    [Fact]
    public async Task An_address_that_only_looks_like_a_members_signs_nobody_in()
    {
        await fixture.Host.Members.AddAsync(fixture.Organization.Id, MemberRoles.Owner, UserState.Active, fixture.LookAlike.MemberEmail);
        using var browser = new FederationBrowser(fixture.Host);

        await browser.OpenAsync($"/sso/{fixture.Slug}");
        await browser.SubmitAsync(new Dictionary<string, string> { ["username"] = fixture.LookAlike.Username, ["password"] = SamlFixture.Password });
        await browser.SubmitAsync();

        Assert.Equal("/sso/failed", browser.Location.AbsolutePath);
        await using var db = fixture.Host.Database.CreateContext();
        var userId = await db.Users.Where(u => u.Email == fixture.LookAlike.MemberEmail).Select(u => u.Id).SingleAsync();
        Assert.False(await db.UserSessions.AnyAsync(s => s.UserId == userId));
        var refusals = await db.AuditEntries.Where(a => a.Action == "signin.failed" && a.OrganizationId == fixture.Organization.Id).Select(a => a.Details).ToListAsync();
        // Refused as not this member: by the letter-for-letter check, or earlier where normalization keeps the sign apart.
        Assert.True(refusals.Any(d => d.Contains("\\u212Aim@", StringComparison.Ordinal)
            && (d.Contains("email_mismatch", StringComparison.Ordinal) || d.Contains("not_member", StringComparison.Ordinal))), string.Join("\n", refusals));
    }

    [Fact]
    public async Task An_address_in_a_domain_another_organization_verified_is_not_this_providers_to_assert()
    {
        var email = await fixture.MemberAsync(8);
        var domain = email[(email.IndexOf('@', StringComparison.Ordinal) + 1)..];
        await using (var scope = fixture.Host.Services.CreateAsyncScope())
        {
            var other = await scope.ServiceProvider.GetRequiredService<Core.Organizations.OrganizationService>()
                .CreateAsync(Core.Auditing.AuditActor.System, $"Owner of {domain}", $"dom-{Guid.NewGuid():N}"[..20], Core.Organizations.OrganizationKind.Customer);
            var sso = scope.ServiceProvider.GetRequiredService<Core.SingleSignOn.SsoService>();
            var claim = await sso.ClaimDomainAsync(Core.Auditing.AuditActor.System, other.Id, domain);
            await sso.VerifyDomainByOperatorAsync(Core.Auditing.AuditActor.System, other.Id, claim.Id);
        }

        using var browser = new FederationBrowser(fixture.Host);
        await SignInAtIdpAsync(browser, $"/sso/{fixture.Slug}", email);
        await browser.SubmitAsync();

        Assert.Equal("/sso/failed", browser.Location.AbsolutePath);
        await using var db = fixture.Host.Database.CreateContext();
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "signin.failed" && a.OrganizationId == fixture.Organization.Id && a.Details.Contains("domain_of_another_organization")));
    }

    /// <summary>From <paramref name="start"/> to the provider's login form, then past it: ends on the provider's form that posts to our ACS.</summary>
    private static async Task SignInAtIdpAsync(FederationBrowser browser, string start, string email)
    {
        await browser.OpenAsync(start);
        Assert.True(browser.Last!.IsSuccessStatusCode, $"{browser.Location}: {browser.Last.StatusCode}\n{browser.Html}");
        await browser.SubmitAsync(new Dictionary<string, string> { ["username"] = email, ["password"] = SamlFixture.Password });
        Assert.True(browser.FormValue("SAMLResponse") is { Length: > 0 }, $"No SAML response from {browser.Location}:\n{browser.Html}");
    }
}

public sealed class SamlSignInWithSimpleSamlPhpTests(SimpleSamlPhpFixture fixture) : SamlSignInTests(fixture), IClassFixture<SimpleSamlPhpFixture>;

public sealed class SamlSignInWithPySaml2Tests(PySaml2Fixture fixture) : SamlSignInTests(fixture), IClassFixture<PySaml2Fixture>;
