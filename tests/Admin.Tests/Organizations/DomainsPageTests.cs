using System.Net;
using System.Text.RegularExpressions;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Tests.Organizations;

/// <summary>Operators verify an organization's claimed email domain; a refused verification changes nothing.</summary>
[Collection(AdminApp.Collection)]
public sealed partial class DomainsPageTests(RelyingPartyAppFactory<Program> factory)
{
    private const string PagePath = "/organizations/domains";

    [Fact]
    public async Task An_operator_sees_a_claimed_domain_and_verifies_it()
    {
        var (browser, operatorUser) = await SignedInOperatorAsync();
        using (browser)
        {
            var organization = await OrganizationAsync("Contoso Keys");
            var claim = await ClaimAsync(organization.Id, UniqueDomain());

            var list = await browser.GetStringAsync(new Uri($"{PagePath}?q={claim.Domain}", UriKind.Relative));
            var row = RowOf(list, claim.Domain);
            Assert.Contains("Contoso Keys", row, StringComparison.Ordinal);
            Assert.Contains("Not verified", row, StringComparison.Ordinal);
            Assert.Contains("Verify domain", row, StringComparison.Ordinal);
            Assert.Contains($"href=\"{PagePath}\"", await browser.GetStringAsync(new Uri("/organizations", UriKind.Relative)), StringComparison.Ordinal);

            using var response = await VerifyAsync(browser, organization.Id, claim);

            // Post/Redirect/Get, with the outcome on the page it lands on.
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            var landing = response.Headers.Location!.OriginalString;
            Assert.StartsWith($"{PagePath}?done=verified", landing, StringComparison.Ordinal);
            var after = await browser.GetStringAsync(new Uri(landing, UriKind.Relative));
            Assert.Contains("id=\"done\"", after, StringComparison.Ordinal);
            Assert.Contains("Verified by operator", RowOf(after, claim.Domain), StringComparison.Ordinal);
            Assert.DoesNotContain("Verify domain", RowOf(after, claim.Domain), StringComparison.Ordinal);

            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var stored = await db.Set<SsoDomain>().SingleAsync(d => d.Id == claim.Id);
            Assert.NotNull(stored.VerifiedAt);
            Assert.Equal("operator", stored.VerifiedBy);
            var audited = await db.AuditEntries.SingleAsync(a => a.OrganizationId == organization.Id && a.Action == AuditActions.SsoDomainVerified);
            Assert.Equal(operatorUser.Id, audited.ActorUserId);
            Assert.Equal(operatorUser.Email, audited.Actor);
            Assert.Contains(claim.Domain, audited.Details, StringComparison.Ordinal);
            Assert.Contains("operator", audited.Details, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_domain_another_organization_holds_verified_cannot_be_verified()
    {
        var (browser, _) = await SignedInOperatorAsync();
        using (browser)
        {
            var domain = UniqueDomain();
            var holder = await OrganizationAsync("Holder");
            var other = await OrganizationAsync("Latecomer");
            var held = await ClaimAsync(holder.Id, domain);
            var theirs = await ClaimAsync(other.Id, domain);
            await using (var scope = factory.Services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<SsoService>().VerifyDomainByOperatorAsync(AuditActor.System, holder.Id, held.Id);
            }

            var auditBefore = await AuditCountAsync(other.Id);

            using var response = await VerifyAsync(browser, other.Id, theirs);

            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            var page = await response.Content.ReadAsStringAsync();
            Assert.Contains("id=\"domains-error\"", page, StringComparison.Ordinal);
            Assert.Contains(WebUtility.HtmlEncode("verified by another organization"), page, StringComparison.Ordinal);
            await using (var scope = factory.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
                var stored = await db.Set<SsoDomain>().SingleAsync(d => d.Id == theirs.Id);
                Assert.Null(stored.VerifiedAt);
                Assert.Null(stored.VerifiedBy);
                Assert.Equal(holder.Id, (await db.Set<SsoDomain>().SingleAsync(d => d.Domain == domain && d.VerifiedAt != null)).OrganizationId);
            }

            Assert.Equal(auditBefore, await AuditCountAsync(other.Id));
        }
    }

    [Fact]
    public async Task A_domain_of_another_organization_is_not_found_and_stays_unverified()
    {
        var (browser, _) = await SignedInOperatorAsync();
        using (browser)
        {
            var organization = await OrganizationAsync("Owner of the claim");
            var stranger = await OrganizationAsync("Stranger");
            var claim = await ClaimAsync(organization.Id, UniqueDomain());

            using var response = await VerifyAsync(browser, stranger.Id, claim);

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("id=\"domains-error\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(await IsVerifiedAsync(claim.Id));
        }
    }

    [Fact]
    public async Task A_portal_member_is_refused_by_the_console()
    {
        var organization = await OrganizationAsync("Members only");
        var claim = await ClaimAsync(organization.Id, UniqueDomain());
        var owner = await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Owner);
        var session = await new SignedInUsers(factory.Services).StartSessionAsync(owner);
        using var browser = factory.CreateBrowser();

        using var callback = await factory.SignInAsync(browser, SignedInUsers.ClaimsOf(owner, session), PagePath);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal(KeyPortal.Hosting.RelyingPartyPaths.AccessDenied, callback.Headers.Location!.OriginalString);
        using var page = await browser.GetAsync(new Uri(PagePath, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("http://localhost:5000/connect/authorize?", page.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        using var post = await browser.PostAsync(new Uri($"{PagePath}?handler=Verify", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["OrganizationId"] = organization.Id.ToString(), ["DomainId"] = claim.Id.ToString(),
        }));
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
        Assert.False(await IsVerifiedAsync(claim.Id));
    }

    [Fact]
    public async Task Without_the_anti_forgery_token_nothing_is_verified()
    {
        var (browser, _) = await SignedInOperatorAsync();
        using (browser)
        {
            var organization = await OrganizationAsync("Forged");
            var claim = await ClaimAsync(organization.Id, UniqueDomain());

            using var response = await browser.PostAsync(new Uri($"{PagePath}?handler=Verify", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["OrganizationId"] = organization.Id.ToString(), ["DomainId"] = claim.Id.ToString(),
            }));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.False(await IsVerifiedAsync(claim.Id));
        }
    }

    [Fact]
    public async Task A_sign_in_older_than_the_window_must_be_confirmed_before_verifying()
    {
        var (browser, _) = await SignedInOperatorAsync(authenticatedAt: DateTimeOffset.UtcNow.AddMinutes(-11));
        using (browser)
        {
            var organization = await OrganizationAsync("Stale");
            var claim = await ClaimAsync(organization.Id, UniqueDomain());

            var page = await browser.GetStringAsync(new Uri(PagePath, UriKind.Relative));
            Assert.Contains("id=\"confirm-signin\"", page, StringComparison.Ordinal);
            using var response = await VerifyAsync(browser, organization.Id, claim);

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("id=\"confirm-signin\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(await IsVerifiedAsync(claim.Id));
        }
    }

    private async Task<(HttpClient Browser, User Operator)> SignedInOperatorAsync(DateTimeOffset? authenticatedAt = null)
    {
        var users = new SignedInUsers(factory.Services);
        var user = await Members.In(factory.Services).AddWithoutOrganizationAsync(isOperator: true);
        var session = await users.StartSessionAsync(user);
        var browser = factory.CreateBrowser();
        using var signedIn = await factory.SignInAsync(browser, IdentityClaims.For(user.Id, user.Email!, session.Id) with { AuthenticatedAt = authenticatedAt });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return (browser, user);
    }

    private async Task<Organization> OrganizationAsync(string name)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrganizationService>()
            .CreateAsync(AuditActor.System, name, $"org-{Guid.NewGuid():N}"[..24], OrganizationKind.Customer);
    }

    private async Task<SsoDomain> ClaimAsync(Guid organizationId, string domain)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SsoService>().ClaimDomainAsync(AuditActor.System, organizationId, domain);
    }

    private async Task<bool> IsVerifiedAsync(Guid domainId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Set<SsoDomain>().AnyAsync(d => d.Id == domainId && d.VerifiedAt != null);
    }

    private async Task<int> AuditCountAsync(Guid organizationId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().AuditEntries.CountAsync(a => a.OrganizationId == organizationId);
    }

    /// <summary>Posts the row's form as the page renders it (with its anti-forgery token).</summary>
    private static async Task<HttpResponseMessage> VerifyAsync(HttpClient browser, Guid organizationId, SsoDomain claim)
    {
        var page = await browser.GetStringAsync(new Uri($"{PagePath}?q={claim.Domain}", UriKind.Relative));
        return await browser.PostAsync(new Uri($"{PagePath}?handler=Verify", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["OrganizationId"] = organizationId.ToString(),
            ["DomainId"] = claim.Id.ToString(),
            ["__RequestVerificationToken"] = HtmlForms.AntiforgeryToken(page),
        }));
    }

    private static string UniqueDomain() => $"d{Guid.NewGuid():N}.example";

    private static string RowOf(string html, string domain)
    {
        var start = html.IndexOf($"data-domain=\"{domain}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"No row for {domain}");
        return html[start..html.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }
}
