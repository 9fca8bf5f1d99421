using System.Net;
using System.Security.Cryptography.X509Certificates;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.Core.Auditing;
using KeyPortal.Portal.Pages.SingleSignOn;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.Portal.Tests.SingleSignOn;

/// <summary>Your organization > Single sign-on, through HTTP as a browser uses it.</summary>
[Collection(SsoFixture.Collection)]
public sealed class SsoPageTests(SsoFixture fixture)
{
    private const string Page = "/organization/sso";

    [Fact]
    public async Task An_owner_with_a_passkey_session_sees_the_addresses_and_saves_pasted_metadata()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        using var idp = TestIdentityProvider.Create();
        using var browser = await fixture.SignedInAsync(owner);

        var page = await browser.GetStringAsync(new Uri(Page, UriKind.Relative));
        Assert.Contains($"http://localhost:5000/sso/{organization.Slug}/saml<", page, StringComparison.Ordinal);
        Assert.Contains($"http://localhost:5000/sso/{organization.Slug}/saml/acs<", page, StringComparison.Ordinal);
        Assert.Contains($"http://localhost:5000/sso/{organization.Slug}/saml/metadata<", page, StringComparison.Ordinal);
        Assert.Contains("http://localhost:5000/sso/oidc/callback<", page, StringComparison.Ordinal);
        Assert.Contains($"id=\"sso-login-link\">http://localhost:5000/sso/{organization.Slug}<", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"menu-sso\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"sso-test\"", page, StringComparison.Ordinal);

        using var saved = await SsoFixture.PostAsync(browser, "Saml", new Dictionary<string, string>
        {
            ["Saml.Source"] = "paste",
            ["Saml.MetadataXml"] = idp.Metadata(),
            ["Saml.RequireSignedAssertions"] = "true",
            ["Saml.SignRequests"] = "true",
            ["Saml.ClockSkewSeconds"] = "90",
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.StartsWith("/organization/sso?done=saml-saved", saved.Headers.Location!.OriginalString, StringComparison.Ordinal);

        var connection = await fixture.WithDbAsync(db => db.Set<SsoConnection>().AsNoTracking().SingleAsync(c => c.OrganizationId == organization.Id));
        Assert.Equal(SsoProtocol.Saml, connection.Protocol);
        Assert.Equal(idp.EntityId, connection.SamlIdentityProviderEntityId);
        Assert.Equal(idp.SingleSignOnUrl.AbsoluteUri, connection.SamlSingleSignOnUrl);
        var stored = X509Certificate2.CreateFromPem(connection.SamlSigningCertificatesPem);
        Assert.Equal(idp.Certificate.Thumbprint, stored.Thumbprint);
        Assert.True(connection.SamlRequireSignedAssertions);
        Assert.False(connection.SamlAllowSha1);
        Assert.False(connection.SamlAllowIdpInitiated);
        Assert.Equal(90, connection.ClockSkewSeconds);
        Assert.True(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a =>
            a.OrganizationId == organization.Id && a.Action == AuditActions.SsoConfigured && a.ActorUserId == owner.Id)));

        var after = await browser.GetStringAsync(saved.Headers.Location);
        Assert.Contains("The SAML connection was saved.", after, StringComparison.Ordinal);
        Assert.Contains(idp.EntityId, after, StringComparison.Ordinal);
        Assert.Contains($"href=\"http://localhost:5000/sso/{organization.Slug}/test\" target=\"_blank\" rel=\"noopener\"", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uploaded_metadata_is_read_and_unticked_options_are_off()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        using var idp = TestIdentityProvider.Create();
        using var browser = await fixture.SignedInAsync(owner);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(await SsoFixture.TokenAsync(browser)), "__RequestVerificationToken" },
            { new StringContent("file"), "Saml.Source" },
            { new ByteArrayContent("\uFEFF"u8.ToArray().Concat(System.Text.Encoding.UTF8.GetBytes(idp.Metadata())).ToArray()), "Saml.MetadataFile", "metadata.xml" },
            { new StringContent("true"), "Saml.AllowIdpInitiated" },
            { new StringContent("false"), "Saml.RequireSignedAssertions" },
            { new StringContent("false"), "Saml.SignRequests" },
            { new StringContent("false"), "Saml.AllowIdpInitiated" },
        };

        using var saved = await browser.PostAsync(new Uri(Page + "?handler=Saml", UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var connection = await fixture.WithDbAsync(db => db.Set<SsoConnection>().AsNoTracking().SingleAsync(c => c.OrganizationId == organization.Id));
        Assert.Equal(idp.EntityId, connection.SamlIdentityProviderEntityId);
        Assert.False(connection.SamlRequireSignedAssertions);
        Assert.False(connection.SamlSignRequests);
        Assert.True(connection.SamlAllowIdpInitiated);
    }

    [Theory]
    [InlineData("<html><body>not metadata</body></html>")]
    [InlineData("<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://idp.example\"></md:EntityDescriptor>")]
    [InlineData("not xml at all <")]
    public async Task Bad_metadata_is_refused_with_a_clear_message_and_nothing_is_stored(string metadata)
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        using var browser = await fixture.SignedInAsync(owner);
        var before = await fixture.SnapshotAsync(organization.Id);

        using var refused = await SsoFixture.PostAsync(browser, "Saml", new Dictionary<string, string> { ["Saml.Source"] = "paste", ["Saml.MetadataXml"] = metadata });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("id=\"sso-error\"", body, StringComparison.Ordinal);
        Assert.Contains("The identity provider&#x27;s metadata could not be read.", body, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.SnapshotAsync(organization.Id));
        Assert.Null(await fixture.WithDbAsync(db => db.Set<SsoConnection>().SingleOrDefaultAsync(c => c.OrganizationId == organization.Id)));
    }

    [Fact]
    public async Task Manual_entry_stores_the_details_and_refuses_an_unreadable_certificate()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        using var idp = TestIdentityProvider.Create();
        using var browser = await fixture.SignedInAsync(owner);
        var fields = new Dictionary<string, string>
        {
            ["Saml.Source"] = "manual",
            ["Saml.EntityId"] = idp.EntityId,
            ["Saml.SingleSignOnUrl"] = idp.SingleSignOnUrl.AbsoluteUri,
            ["Saml.CertificatePem"] = "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----",
        };

        using var refused = await SsoFixture.PostAsync(browser, "Saml", fields);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Null(await fixture.WithDbAsync(db => db.Set<SsoConnection>().SingleOrDefaultAsync(c => c.OrganizationId == organization.Id)));

        fields["Saml.CertificatePem"] = idp.Certificate.ExportCertificatePem();
        using var saved = await SsoFixture.PostAsync(browser, "Saml", fields);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var connection = await fixture.WithDbAsync(db => db.Set<SsoConnection>().AsNoTracking().SingleAsync(c => c.OrganizationId == organization.Id));
        Assert.Equal(idp.EntityId, connection.SamlIdentityProviderEntityId);
        Assert.Equal(idp.Certificate.Thumbprint, X509Certificate2.CreateFromPem(connection.SamlSigningCertificatesPem).Thumbprint);
    }

    [Fact]
    public async Task Metadata_is_read_from_an_https_address_and_http_is_refused_when_not_allowed()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        using var idp = TestIdentityProvider.Create();
        using var browser = await fixture.SignedInAsync(owner);
        var secure = new Uri($"https://metadata-{Guid.NewGuid():N}.example/idp.xml");
        var plain = new Uri($"http://metadata-{Guid.NewGuid():N}.example/idp.xml");
        fixture.MetadataServer.Serve(secure, () => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(idp.Metadata()) });
        fixture.MetadataServer.Serve(plain, () => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(idp.Metadata()) });
        var before = await fixture.SnapshotAsync(organization.Id);

        using var http = await SsoFixture.PostAsync(browser, "Saml", new Dictionary<string, string> { ["Saml.Source"] = "url", ["Saml.MetadataUrl"] = plain.AbsoluteUri });
        Assert.Equal(HttpStatusCode.BadRequest, http.StatusCode);
        Assert.Contains("could not read the metadata from that address", await http.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(plain, fixture.MetadataServer.Requests);
        Assert.Equal(before, await fixture.SnapshotAsync(organization.Id));

        using var saved = await SsoFixture.PostAsync(browser, "Saml", new Dictionary<string, string> { ["Saml.Source"] = "url", ["Saml.MetadataUrl"] = secure.AbsoluteUri });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var connection = await fixture.WithDbAsync(db => db.Set<SsoConnection>().AsNoTracking().SingleAsync(c => c.OrganizationId == organization.Id));
        Assert.Equal(idp.EntityId, connection.SamlIdentityProviderEntityId);
        Assert.Equal(secure.AbsoluteUri, connection.SamlMetadataUrl);
    }

    [Fact]
    public async Task A_metadata_address_that_fails_or_redirects_to_http_shows_one_message_and_never_the_response()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        using var idp = TestIdentityProvider.Create();
        using var browser = await fixture.SignedInAsync(owner);
        var missing = new Uri($"https://metadata-{Guid.NewGuid():N}.example/missing");
        var redirecting = new Uri($"https://metadata-{Guid.NewGuid():N}.example/moved");
        var downgraded = new Uri($"http://metadata-{Guid.NewGuid():N}.example/idp.xml");
        var notMetadata = new Uri($"https://metadata-{Guid.NewGuid():N}.example/page");
        fixture.MetadataServer.Serve(redirecting, () => new HttpResponseMessage(HttpStatusCode.Found) { Headers = { Location = downgraded } });
        fixture.MetadataServer.Serve(downgraded, () => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(idp.Metadata()) });
        fixture.MetadataServer.Serve(notMetadata, () => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<secret-root-name>secret-body-text</secret-root-name>") });
        var before = await fixture.SnapshotAsync(organization.Id);

        foreach (var address in new[] { missing, redirecting, notMetadata })
        {
            using var refused = await SsoFixture.PostAsync(browser, "Saml", new Dictionary<string, string> { ["Saml.Source"] = "url", ["Saml.MetadataUrl"] = address.AbsoluteUri });
            var body = await refused.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(IndexModel.MetadataUnreachable.Replace("'", "&#x27;", StringComparison.Ordinal), body, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-", body, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(downgraded, fixture.MetadataServer.Requests);
        Assert.Equal(before, await fixture.SnapshotAsync(organization.Id));
    }

    [Theory]
    [InlineData("Admin")]
    [InlineData("Auditor")]
    public async Task Admins_and_auditors_are_refused_and_nothing_changes(string role)
    {
        var (organization, _) = await fixture.OrganizationAsync();
        var member = await fixture.Members.AddAsync(organization.Id, MemberRoles.Parse([role]));
        using var idp = TestIdentityProvider.Create();
        using var browser = await fixture.SignedInAsync(member);
        var before = await fixture.SnapshotAsync(organization.Id);

        using var page = await browser.GetAsync(new Uri(Page, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        var body = await page.Content.ReadAsStringAsync();
        Assert.Contains("id=\"refusal\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("/saml/acs", body, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"menu-sso\"", body, StringComparison.Ordinal);

        foreach (var (handler, fields) in new (string, Dictionary<string, string>)[]
        {
            ("Saml", new() { ["Saml.Source"] = "paste", ["Saml.MetadataXml"] = idp.Metadata() }),
            ("Oidc", new() { ["Oidc.Issuer"] = "https://login.example/", ["Oidc.ClientId"] = "c", ["Oidc.ClientSecret"] = "s" }),
            ("Enable", new()),
            ("Disable", new() { ["ConfirmOff"] = "true" }),
            ("ClaimDomain", new() { ["Domain"] = $"d{Guid.NewGuid():N}.example" }),
        })
        {
            using var refused = await SsoFixture.PostAsync(browser, handler, fields);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("id=\"refusal\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await fixture.SnapshotAsync(organization.Id));
    }

    [Theory]
    [InlineData("pwd", false)]
    [InlineData("pwd otp mfa", false)]
    [InlineData("hwk fed", true)]
    [InlineData("fed", true)]
    public async Task An_owner_not_in_a_passkey_session_is_asked_to_sign_in_with_a_passkey_and_changes_nothing(string methods, bool federated)
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        using var idp = TestIdentityProvider.Create();
        await fixture.WithAsync<SsoService, SsoConnection>(sso => sso.SaveOidcAsync(AuditActor.System, organization.Id,
            new OidcConnectionSettings(new Uri("https://login.example/"), "client", "secret")));
        var claimed = await fixture.WithAsync<SsoService, SsoDomain>(sso => sso.ClaimDomainAsync(AuditActor.System, organization.Id, $"d{Guid.NewGuid():N}.example"));
        using var browser = await fixture.SignedInAsync(owner, methods, federated ? organization.Id : null);
        var before = await fixture.SnapshotAsync(organization.Id);

        using var page = await browser.GetAsync(new Uri(Page, UriKind.Relative));
        var body = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Sign in with your passkey to manage single sign-on", body, StringComparison.Ordinal);
        Assert.Contains("action=\"/signout\"", body, StringComparison.Ordinal);
        Assert.Contains("name=\"signInAgainAt\" value=\"/organization/sso\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("/saml/acs", body, StringComparison.Ordinal);
        Assert.DoesNotContain(claimed.ExpectedRecord, body, StringComparison.Ordinal);

        foreach (var (handler, fields) in new (string, Dictionary<string, string>)[]
        {
            ("Saml", new() { ["Saml.Source"] = "paste", ["Saml.MetadataXml"] = idp.Metadata() }),
            ("Oidc", new() { ["Oidc.Issuer"] = "https://other.example/", ["Oidc.ClientId"] = "c2", ["Oidc.ClientSecret"] = "s2" }),
            ("Enable", new()),
            ("ClaimDomain", new() { ["Domain"] = $"d{Guid.NewGuid():N}.example" }),
            ("RemoveDomain", new() { ["DomainId"] = claimed.Id.ToString() }),
        })
        {
            using var refused = await SsoFixture.PostAsync(browser, handler, fields);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("Sign in with your passkey to manage single sign-on", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await fixture.SnapshotAsync(organization.Id));
    }

    [Fact]
    public async Task Sign_in_again_signs_out_at_the_identity_provider_and_comes_back_to_sign_in_for_the_page()
    {
        var (_, owner) = await fixture.OrganizationAsync();
        using var browser = await fixture.SignedInAsync(owner, "pwd");
        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await SsoFixture.TokenAsync(browser),
            ["signInAgainAt"] = "/organization/sso",
        };

        using var signedOut = await browser.PostAsync(new Uri("/signout", UriKind.Relative), new FormUrlEncodedContent(form));

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.StartsWith(fixture.IdentityProvider.EndSessionEndpoint.AbsoluteUri, signedOut.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);

        // Back from the IdP's end-session endpoint: a new sign-in, which returns to the page.
        var state = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(signedOut.Headers.Location.Query)["state"].ToString();
        using var back = await browser.GetAsync(new Uri($"/signout-callback-oidc?state={Uri.EscapeDataString(state)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        Assert.Equal("/signin?returnUrl=%2Forganization%2Fsso", back.Headers.Location!.OriginalString);
        using var signIn = await browser.GetAsync(back.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.StartsWith(fixture.IdentityProvider.AuthorizationEndpoint.AbsoluteUri, signIn.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);

        using var page = await browser.GetAsync(new Uri(Page, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith(fixture.IdentityProvider.AuthorizationEndpoint.AbsoluteUri, page.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oidc_is_saved_with_its_secret_protected_and_an_empty_secret_keeps_it()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        using var browser = await fixture.SignedInAsync(owner);
        const string Secret = "upstream-client-secret-0123456789";

        using var saved = await SsoFixture.PostAsync(browser, "Oidc", new Dictionary<string, string>
        {
            ["Oidc.Issuer"] = "https://login.example/tenant",
            ["Oidc.ClientId"] = "key-portal",
            ["Oidc.ClientSecret"] = Secret,
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var connection = await fixture.WithDbAsync(db => db.Set<SsoConnection>().AsNoTracking().SingleAsync(c => c.OrganizationId == organization.Id));
        Assert.Equal(SsoProtocol.OpenIdConnect, connection.Protocol);
        Assert.Equal("https://login.example/tenant", connection.OidcIssuer);
        Assert.Equal("key-portal", connection.OidcClientId);
        Assert.NotNull(connection.OidcClientSecretProtected);
        Assert.NotEqual(Secret, connection.OidcClientSecretProtected);
        Assert.DoesNotContain(Secret, connection.OidcClientSecretProtected, StringComparison.Ordinal);
        Assert.Equal(Secret, await fixture.WithAsync<SsoSecrets, string?>(secrets => Task.FromResult(secrets.Unprotect(connection.OidcClientSecretProtected))));

        var page = await browser.GetStringAsync(saved.Headers.Location);
        Assert.Contains("id=\"oidc-form\"", page, StringComparison.Ordinal);
        Assert.Contains("Leave this empty to keep it.", page, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, page, StringComparison.Ordinal);
        Assert.DoesNotContain(connection.OidcClientSecretProtected, page, StringComparison.Ordinal);
        Assert.False(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a => a.Details.Contains(Secret))));

        // A new client id (or issuer) without its secret is refused: the stored secret never goes elsewhere.
        using var elsewhere = await SsoFixture.PostAsync(browser, "Oidc", new Dictionary<string, string>
        {
            ["Oidc.Issuer"] = "https://login.example/tenant",
            ["Oidc.ClientId"] = "key-portal-2",
            ["Oidc.ClientSecret"] = "",
        });
        Assert.Equal(HttpStatusCode.BadRequest, elsewhere.StatusCode);
        using var kept = await SsoFixture.PostAsync(browser, "Oidc", new Dictionary<string, string>
        {
            ["Oidc.Issuer"] = "https://login.example/tenant",
            ["Oidc.ClientId"] = "key-portal",
            ["Oidc.ClientSecret"] = "",
        });
        Assert.Equal(HttpStatusCode.Redirect, kept.StatusCode);
        var changed = await fixture.WithDbAsync(db => db.Set<SsoConnection>().AsNoTracking().SingleAsync(c => c.OrganizationId == organization.Id));
        Assert.Equal("key-portal", changed.OidcClientId);
        Assert.Equal(Secret, await fixture.WithAsync<SsoSecrets, string?>(secrets => Task.FromResult(secrets.Unprotect(changed.OidcClientSecretProtected))));
    }

    [Fact]
    public async Task Turning_on_without_a_connection_is_refused()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        using var browser = await fixture.SignedInAsync(owner);
        var before = await fixture.SnapshotAsync(organization.Id);

        using var refused = await SsoFixture.PostAsync(browser, "Enable");

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("Connect an identity provider first", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.SnapshotAsync(organization.Id));
    }

    [Fact]
    public async Task Turning_on_and_off_works_and_off_asks_first_and_ends_the_federated_sessions()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        var member = await fixture.Members.AddAsync(organization.Id, MemberRoles.Auditor);
        var (other, _) = await fixture.OrganizationAsync();
        var otherMember = await fixture.Members.AddAsync(other.Id, MemberRoles.Auditor);
        using var browser = await fixture.SignedInAsync(owner);
        using var saved = await SsoFixture.PostAsync(browser, "Oidc", new Dictionary<string, string>
        {
            ["Oidc.Issuer"] = "https://login.example/",
            ["Oidc.ClientId"] = "key-portal",
            ["Oidc.ClientSecret"] = "secret",
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);

        using var on = await SsoFixture.PostAsync(browser, "Enable");
        Assert.Equal(HttpStatusCode.Redirect, on.StatusCode);
        Assert.True(await EnabledAsync(organization.Id));
        var page = await browser.GetStringAsync(on.Headers.Location);
        Assert.Contains("id=\"sso-enabled\"", page, StringComparison.Ordinal);
        Assert.Contains("Turn off single sign-on", page, StringComparison.Ordinal);
        Assert.True(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a => a.OrganizationId == organization.Id && a.Action == AuditActions.SsoEnabled)));

        var federated = await fixture.StartSessionAsync(member, "fed", organization.Id);
        var elsewhere = await fixture.StartSessionAsync(otherMember, "fed", other.Id);
        var ownPasskey = await fixture.StartSessionAsync(member);

        using var unconfirmed = await SsoFixture.PostAsync(browser, "Disable");
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Contains("Tick the box to confirm", await unconfirmed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(await EnabledAsync(organization.Id));
        Assert.Null(await EndedAtAsync(federated.Id));

        using var off = await SsoFixture.PostAsync(browser, "Disable", new Dictionary<string, string> { ["ConfirmOff"] = "true" });
        Assert.Equal(HttpStatusCode.Redirect, off.StatusCode);
        Assert.False(await EnabledAsync(organization.Id));
        Assert.NotNull(await EndedAtAsync(federated.Id));
        Assert.Null(await EndedAtAsync(elsewhere.Id));
        Assert.Null(await EndedAtAsync(ownPasskey.Id));
        Assert.True(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a => a.OrganizationId == organization.Id && a.Action == AuditActions.SsoDisabled)));
        var offPage = await browser.GetStringAsync(off.Headers.Location);
        Assert.Contains("id=\"sso-disabled\"", offPage, StringComparison.Ordinal);
        Assert.Contains("Turn on single sign-on", offPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Domains_are_claimed_listed_with_their_record_checked_and_removed()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        using var browser = await fixture.SignedInAsync(owner);
        var name = $"d{Guid.NewGuid():N}.example";

        using var claimed = await SsoFixture.PostAsync(browser, "ClaimDomain", new Dictionary<string, string> { ["Domain"] = " " + name.ToUpperInvariant() + " " });
        Assert.Equal(HttpStatusCode.Redirect, claimed.StatusCode);
        var domain = await fixture.WithDbAsync(db => db.Set<SsoDomain>().AsNoTracking().SingleAsync(d => d.OrganizationId == organization.Id));
        Assert.Equal(name, domain.Domain);
        var page = await browser.GetStringAsync(claimed.Headers.Location);
        Assert.Contains($"data-domain=\"{name}\"", page, StringComparison.Ordinal);
        Assert.Contains(domain.ExpectedRecord, page, StringComparison.Ordinal);
        Assert.Contains("Not verified", page, StringComparison.Ordinal);

        using var twice = await SsoFixture.PostAsync(browser, "ClaimDomain", new Dictionary<string, string> { ["Domain"] = name });
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        using var invalid = await SsoFixture.PostAsync(browser, "ClaimDomain", new Dictionary<string, string> { ["Domain"] = "not a domain" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("Enter an email domain", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var notYet = await SsoFixture.PostAsync(browser, "VerifyDomain", new Dictionary<string, string> { ["DomainId"] = domain.Id.ToString() });
        Assert.Equal(HttpStatusCode.OK, notYet.StatusCode);
        Assert.Contains("The TXT record was not found yet.", await notYet.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await VerifiedAsync(domain.Id));

        fixture.Dns.Publish(name, "v=spf1 -all", domain.ExpectedRecord);
        using var verified = await SsoFixture.PostAsync(browser, "VerifyDomain", new Dictionary<string, string> { ["DomainId"] = domain.Id.ToString() });
        Assert.Equal(HttpStatusCode.Redirect, verified.StatusCode);
        Assert.True(await VerifiedAsync(domain.Id));
        Assert.Contains("Verified by DNS", await browser.GetStringAsync(verified.Headers.Location), StringComparison.Ordinal);

        using var removed = await SsoFixture.PostAsync(browser, "RemoveDomain", new Dictionary<string, string> { ["DomainId"] = domain.Id.ToString() });
        Assert.Equal(HttpStatusCode.Redirect, removed.StatusCode);
        Assert.False(await fixture.WithDbAsync(db => db.Set<SsoDomain>().AnyAsync(d => d.Id == domain.Id)));
        Assert.DoesNotContain($"data-domain=\"{name}\"", await browser.GetStringAsync(removed.Headers.Location), StringComparison.Ordinal);
        Assert.Equal(3, await fixture.WithDbAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == organization.Id
            && (a.Action == AuditActions.SsoDomainClaimed || a.Action == AuditActions.SsoDomainVerified || a.Action == AuditActions.SsoDomainRemoved))));
    }

    [Fact]
    public async Task Another_organizations_domain_cannot_be_verified_or_removed_from_here()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        var (other, _) = await fixture.OrganizationAsync();
        var theirs = await fixture.WithAsync<SsoService, SsoDomain>(sso => sso.ClaimDomainAsync(AuditActor.System, other.Id, $"d{Guid.NewGuid():N}.example"));
        fixture.Dns.Publish(theirs.Domain, theirs.ExpectedRecord);
        using var browser = await fixture.SignedInAsync(owner);
        var before = (await fixture.SnapshotAsync(organization.Id), await fixture.SnapshotAsync(other.Id));

        foreach (var handler in new[] { "VerifyDomain", "RemoveDomain" })
        {
            using var refused = await SsoFixture.PostAsync(browser, handler, new Dictionary<string, string> { ["DomainId"] = theirs.Id.ToString() });
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            Assert.Contains("This domain is not claimed by the organization.", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(before, (await fixture.SnapshotAsync(organization.Id), await fixture.SnapshotAsync(other.Id)));
        Assert.False(await VerifiedAsync(theirs.Id));
    }

    [Fact]
    public async Task A_form_without_its_anti_forgery_token_is_refused()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        using var browser = await fixture.SignedInAsync(owner);
        var before = await fixture.SnapshotAsync(organization.Id);

        using var forged = await browser.PostAsync(new Uri(Page + "?handler=ClaimDomain", UriKind.Relative),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Domain"] = $"d{Guid.NewGuid():N}.example" }));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(before, await fixture.SnapshotAsync(organization.Id));
    }

    private Task<bool> EnabledAsync(Guid organizationId) =>
        fixture.WithDbAsync(db => db.Organizations.Where(o => o.Id == organizationId).Select(o => o.Sso.Enabled).SingleAsync());

    private Task<DateTimeOffset?> EndedAtAsync(Guid sessionId) =>
        fixture.WithDbAsync(db => db.UserSessions.Where(s => s.Id == sessionId).Select(s => s.EndedAt).SingleAsync());

    private Task<bool> VerifiedAsync(Guid domainId) =>
        fixture.WithDbAsync(db => db.Set<SsoDomain>().Where(d => d.Id == domainId).Select(d => d.VerifiedAt != null).SingleAsync());
}
