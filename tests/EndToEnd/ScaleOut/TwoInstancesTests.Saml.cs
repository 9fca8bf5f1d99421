using System.Net;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.Core.Users;
using KeyPortal.Saml2;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.EndToEnd.ScaleOut;

// SAML single sign-on through a customer's real identity provider (SimpleSAMLphp) across the
// instances: the request ids and the assertion replay cache are the database's, not a process's.
public sealed partial class TwoInstancesTests
{
    private const string IdpPassword = "Customer-IdP-Password-1";

    [Fact]
    public async Task A_saml_sign_in_started_on_one_instance_is_answered_on_the_other_and_its_assertion_is_refused_by_both_afterwards()
    {
        var slug = $"scale-saml-{Guid.NewGuid():N}"[..20];
        var member = $"member-{Guid.NewGuid():N}@fabrikam.example";
        await using var idp = await SimpleSamlPhpIdp.StartAsync(new SimpleSamlPhpOptions
        {
            ServiceProviderEntityId = SsoAddresses.SamlEntityId(apps.IdP, slug),
            AssertionConsumerServiceUrl = SsoAddresses.SamlAssertionConsumerService(apps.IdP, slug),
            Users = [new SamlTestUser(member, IdpPassword, member)],
        });
        var organizationId = await SamlOrganizationAsync(slug, member, idp);

        // The person opens the login link on A, signs in at their identity provider, and its
        // answer (addressed to the public URL) is taken by B.
        using var browser = new Browser();
        var page = await browser.FollowAsync(new Uri(A, SsoAddresses.LoginLink(apps.IdP, slug).PathAndQuery));
        var login = HtmlForms.Parse(page.Html).First(f => f.Inputs.ContainsKey("password"));
        login.Inputs["username"] = member;
        login.Inputs["password"] = IdpPassword;
        page = await browser.SubmitAsync(page.At, login);
        var answer = HtmlForms.Parse(page.Html).Single(f => f.Inputs.ContainsKey("SAMLResponse"));
        var atB = answer with { Action = new Uri(B, new Uri(answer.Action).PathAndQuery).AbsoluteUri };
        page = await browser.SubmitThroughRepostAsync(atB);
        Assert.True(page.LeftFor?.AbsoluteUri == apps.Portal.AbsoluteUri, $"signed in: left for {page.LeftFor} from {page.At}\n{page.Html[..Math.Min(page.Html.Length, 500)]}");

        // The same answer again, on A and on B, from the same browser and from another: refused.
        foreach (var instance in new[] { A, B })
        {
            var replay = answer with { Action = new Uri(instance, new Uri(answer.Action).PathAndQuery).AbsoluteUri };
            using var other = new Browser();
            foreach (var replaying in new[] { browser, other })
            {
                var refused = await replaying.SubmitThroughRepostAsync(replay);
                Assert.True(refused.At.AbsolutePath == "/sso/failed", $"replayed at {instance}: {refused.At} left for {refused.LeftFor}");
            }
        }

        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var userId = await db.Users.Where(u => u.Email == member).Select(u => u.Id).SingleAsync();
        var session = await db.UserSessions.AsNoTracking().SingleAsync(s => s.UserId == userId);
        Assert.Equal(organizationId, session.FederatedOrganizationId);
        Assert.Equal(4, await db.AuditEntries.CountAsync(a => a.OrganizationId == organizationId && a.Action == AuditActions.SignInFailed));
    }

    /// <summary>A customer organization with the member, connected to <paramref name="idp"/> both ways and single sign-on on.</summary>
    private async Task<Guid> SamlOrganizationAsync(string slug, string member, SimpleSamlPhpIdp idp)
    {
        await using (var scope = apps.CoreServices())
        {
            var services = scope.ServiceProvider;
            var organization = await services.GetRequiredService<OrganizationService>().CreateAsync(AuditActor.System, $"Customer {slug}", slug, OrganizationKind.Customer);
            await Members.In(services).AddAsync(organization.Id, MemberRoles.Auditor, UserState.Active, member);
            var metadata = IdentityProviderMetadataReader.Read(idp.MetadataXml, new MetadataReadOptions());
            var sso = services.GetRequiredService<SsoService>();
            await sso.SaveSamlAsync(AuditActor.System, organization.Id, new SamlConnectionSettings(
                metadata.EntityId,
                metadata.SingleSignOnServiceUrl,
                string.Concat(metadata.SigningCertificates.Select(c => c.ExportCertificatePem() + "\n")),
                idp.MetadataUrl.AbsoluteUri,
                metadata.ValidUntil));
            await sso.SetEnabledAsync(AuditActor.System, organization.Id, true);
            using var http = new HttpClient();
            await idp.UpdateServiceProviderAsync(await http.GetStringAsync(new Uri(B, SsoAddresses.SamlMetadata(apps.IdP, slug).PathAndQuery)));
            return organization.Id;
        }
    }

    /// <summary>Where a browser ended: the page it shows, and the address it was sent on to outside the identity providers (the Portal).</summary>
    private sealed record Landing(Uri At, string Html, Uri? LeftFor);

    private sealed partial class Browser
    {
        /// <summary>Opens <paramref name="url"/> and follows redirects within the identity providers (ours and the customer's).</summary>
        public Task<Landing> FollowAsync(Uri url) => FollowAsync(new HttpRequestMessage(HttpMethod.Get, url));

        public Task<Landing> SubmitAsync(Uri page, HtmlForm form) =>
            FollowAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(page, form.Action)) { Content = new FormUrlEncodedContent(form.Inputs) });

        /// <summary>Posts <paramref name="form"/>; when our page answers by posting it once more from our origin (no binding cookie), submits that too.</summary>
        public async Task<Landing> SubmitThroughRepostAsync(HtmlForm form)
        {
            var landing = await SubmitAsync(new Uri(form.Action), form);
            return HtmlForms.Parse(landing.Html).FirstOrDefault(f => f.Inputs.ContainsKey("reposted")) is { } repost
                ? await SubmitAsync(landing.At, repost)
                : landing;
        }

        private async Task<Landing> FollowAsync(HttpRequestMessage request)
        {
            for (var hops = 0; hops < 20; hops++)
            {
                var at = request.RequestUri!;
                HttpResponseMessage response;
                using (request)
                {
                    response = await _http.SendAsync(request);
                }

                using (response)
                {
                    var html = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode is not (HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther) || response.Headers.Location is null)
                    {
                        return new Landing(at, html, null);
                    }

                    var next = new Uri(at, response.Headers.Location);
                    if (!IsIdentityProvider(next))
                    {
                        return new Landing(at, html, next);
                    }

                    request = new HttpRequestMessage(HttpMethod.Get, next);
                }
            }

            throw new InvalidOperationException($"Too many redirects from {request.RequestUri}.");
        }

        private static bool IsIdentityProvider(Uri url) =>
            url.Host == "127.0.0.1" || (url.Host == "localhost" && (url.Port == ScaleOutApps.IdPPort || ScaleOutApps.IdPInstancePorts.Contains(url.Port)));
    }
}
