using KeyPortal.Core.Sessions;
using KeyPortal.Core.SingleSignOn;

namespace KeyPortal.Core.Tests.SingleSignOn;

/// <summary>An organization's single sign-on settings: the connection, the switch, and its email domains.</summary>
public abstract class SsoServiceTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    private static readonly SamlConnectionSettings Saml = new(
        "https://idp.contoso.example/saml", new Uri("https://idp.contoso.example/sso"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", null, null);

    [Fact]
    public async Task Saving_a_saml_connection_stores_it_with_a_service_provider_key_and_audits_it()
    {
        var organization = await GivenOrganizationAsync();
        await using (var scope = OpenScope())
        {
            await scope.Sso().SaveSamlAsync(Actors.Operator, organization.Id, Saml);
        }

        await using var db = Database.CreateContext();
        var stored = await db.Set<SsoConnection>().AsNoTracking().SingleAsync(c => c.OrganizationId == organization.Id);
        Assert.Equal(SsoProtocol.Saml, stored.Protocol);
        Assert.Equal("https://idp.contoso.example/saml", stored.SamlIdentityProviderEntityId);
        Assert.Equal(1, stored.Version);
        Assert.True(stored.IsComplete);
        using var certificate = CoreScope.Secrets.ServiceProviderCertificate(stored);
        Assert.NotNull(certificate);
        Assert.True(certificate.HasPrivateKey);
        var entry = Assert.Single(await AuditOfOrganizationAsync(organization.Id), a => a.Action == AuditActions.SsoConfigured);
        Assert.Equal(Actors.Operator.UserId, entry.ActorUserId);
    }

    [Fact]
    public async Task An_oidc_secret_is_stored_protected_and_kept_when_left_empty()
    {
        var organization = await GivenOrganizationAsync();
        await using (var scope = OpenScope())
        {
            await scope.Sso().SaveOidcAsync(Actors.Operator, organization.Id, new OidcConnectionSettings(new Uri("https://login.contoso.example/"), "portal", "s3cret-value"));
            await scope.Sso().SaveOidcAsync(Actors.Operator, organization.Id, new OidcConnectionSettings(new Uri("https://login.contoso.example/"), "portal", null));
        }

        await using var db = Database.CreateContext();
        var stored = await db.Set<SsoConnection>().AsNoTracking().SingleAsync(c => c.OrganizationId == organization.Id);
        Assert.Equal("portal", stored.OidcClientId);
        Assert.DoesNotContain("s3cret-value", stored.OidcClientSecretProtected!, StringComparison.Ordinal);
        Assert.Equal("s3cret-value", CoreScope.Secrets.Unprotect(stored.OidcClientSecretProtected));
        Assert.Equal(2, stored.Version);
        // A new issuer (or client id) without the secret again is refused: the stored one never goes elsewhere.
        await using (var scope = OpenScope())
        {
            await AssertRefusedAndUnchangedAsync("sso.client_secret_required", () =>
                scope.Sso().SaveOidcAsync(Actors.Operator, organization.Id, new OidcConnectionSettings(new Uri("https://attacker.example/"), "portal-2", null)));
        }

        // The audit trail never holds the secret.
        Assert.All(await AuditOfOrganizationAsync(organization.Id), a => Assert.DoesNotContain("s3cret", a.Details, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://idp.contoso.example/sso", "sso.address_not_https")]
    [InlineData("ftp://idp.contoso.example/sso", "sso.address_not_https")]
    [InlineData("https://user:pass@idp.contoso.example/sso", "sso.address_invalid")]
    [InlineData("https://idp.contoso.example/sso#part", "sso.address_invalid")]
    public async Task Identity_provider_addresses_must_be_https_without_credentials(string address, string code)
    {
        var organization = await GivenOrganizationAsync();
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync(code,
            () => scope.Sso().SaveSamlAsync(Actors.Operator, organization.Id, Saml with { SingleSignOnUrl = new Uri(address) }));
    }

    [Fact]
    public async Task Turning_on_needs_a_connection_and_turning_off_ends_the_sessions_its_provider_made()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        await using (var scope = OpenScope())
        {
            await AssertRefusedAndUnchangedAsync("sso.not_configured", () => scope.Sso().SetEnabledAsync(Actors.Operator, organization.Id, true));
            await scope.Sso().SaveSamlAsync(Actors.Operator, organization.Id, Saml);
            await scope.Sso().SetEnabledAsync(Actors.Operator, organization.Id, true);
        }

        var federated = await SessionAsync(owner.Id, organization.Id);
        var passkey = await SessionAsync(owner.Id, null);
        await using (var scope = OpenScope())
        {
            await scope.Sso().SetEnabledAsync(Actors.Operator, organization.Id, false);
        }

        await using var db = Database.CreateContext();
        Assert.NotNull((await db.UserSessions.AsNoTracking().SingleAsync(s => s.Id == federated)).EndedAt);
        Assert.Null((await db.UserSessions.AsNoTracking().SingleAsync(s => s.Id == passkey)).EndedAt);
        Assert.False((await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == organization.Id)).Sso.Enabled);
        var actions = (await AuditOfOrganizationAsync(organization.Id)).Select(a => a.Action).ToList();
        Assert.Contains(AuditActions.SsoEnabled, actions);
        Assert.Contains(AuditActions.SsoDisabled, actions);
    }

    [Fact]
    public async Task Changing_the_connection_in_use_ends_its_federated_sessions_and_bumps_the_version()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        await using (var scope = OpenScope())
        {
            await scope.Sso().SaveSamlAsync(Actors.Operator, organization.Id, Saml);
            await scope.Sso().SetEnabledAsync(Actors.Operator, organization.Id, true);
        }

        var federated = await SessionAsync(owner.Id, organization.Id);
        await using (var scope = OpenScope())
        {
            await scope.Sso().SaveSamlAsync(Actors.Operator, organization.Id, Saml with { IdentityProviderEntityId = "https://other-idp.example/" });
        }

        await using var db = Database.CreateContext();
        Assert.NotNull((await db.UserSessions.AsNoTracking().SingleAsync(s => s.Id == federated)).EndedAt);
        Assert.Equal(2, (await db.Set<SsoConnection>().AsNoTracking().SingleAsync(c => c.OrganizationId == organization.Id)).Version);
    }

    [Fact]
    public async Task A_domain_routes_only_once_verified_by_its_txt_record()
    {
        var organization = await GivenOrganizationAsync(sso: true);
        var domain = $"{Unique.Slug("corp")}.example";
        SsoDomain claim;
        await using (var scope = OpenScope())
        {
            claim = await scope.Sso().ClaimDomainAsync(Actors.Operator, organization.Id, domain.ToUpperInvariant());
            Assert.Equal(domain, claim.Domain);
            Assert.Null(await scope.Sso().RouteAsync($"alice@{domain}"));
            // No record yet (or a wrong one): nothing changes.
            scope.TxtRecords[domain] = ["keyportal-domain-verification=wrong", "v=spf1 -all"];
            Assert.Null(await scope.Sso().VerifyDomainByDnsAsync(Actors.Operator, organization.Id, claim.Id));
            Assert.Null(await scope.Sso().RouteAsync($"alice@{domain}"));

            scope.TxtRecords[domain].Add(claim.ExpectedRecord);
            var verified = await scope.Sso().VerifyDomainByDnsAsync(Actors.Operator, organization.Id, claim.Id);
            Assert.Equal("dns", verified?.VerifiedBy);
        }

        await using (var scope = OpenScope())
        {
            Assert.Equal(organization.Id, (await scope.Sso().RouteAsync($"Alice@{domain.ToUpperInvariant()}"))?.Id);
            Assert.Null(await scope.Sso().RouteAsync($"alice@sub.{domain}"));
        }

        Assert.Contains(AuditActions.SsoDomainVerified, (await AuditOfOrganizationAsync(organization.Id)).Select(a => a.Action));
    }

    [Fact]
    public async Task A_domain_verified_by_one_organization_cannot_be_claimed_or_verified_by_another()
    {
        var first = await GivenOrganizationAsync(sso: true);
        var second = await GivenOrganizationAsync(sso: true);
        var domain = $"{Unique.Slug("shared")}.example";
        SsoDomain theirs;
        await using (var scope = OpenScope())
        {
            // Both may claim it while nobody holds it verified.
            theirs = await scope.Sso().ClaimDomainAsync(Actors.Operator, second.Id, domain);
            var mine = await scope.Sso().ClaimDomainAsync(Actors.Operator, first.Id, domain);
            await scope.Sso().VerifyDomainByOperatorAsync(Actors.Operator, first.Id, mine.Id);
        }

        await using (var scope = OpenScope())
        {
            await AssertRefusedAndUnchangedAsync("sso.domain_taken", () => scope.Sso().VerifyDomainByOperatorAsync(Actors.Operator, second.Id, theirs.Id));
            await AssertRefusedAndUnchangedAsync("sso.domain_taken", () => scope.Sso().ClaimDomainAsync(Actors.Operator, second.Id, domain + "."));
            // And one organization never reaches another's claim by its id.
            await AssertRefusedAndUnchangedAsync("sso.domain_not_found", () => scope.Sso().RemoveDomainAsync(Actors.Operator, first.Id, theirs.Id));
        }
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("-bad.example")]
    [InlineData("a..example")]
    [InlineData("exa mple.com")]
    [InlineData("")]
    public async Task Claiming_something_that_is_not_a_domain_is_refused(string domain)
    {
        var organization = await GivenOrganizationAsync();
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("sso.domain_invalid", () => scope.Sso().ClaimDomainAsync(Actors.Operator, organization.Id, domain));
    }

    private async Task<Guid> SessionAsync(Guid userId, Guid? federatedBy)
    {
        await using var db = Database.CreateContext();
        var now = Clock.GetUtcNow();
        var session = new UserSession
        {
            Id = Guid.CreateVersion7(), UserId = userId, AuthenticationMethods = federatedBy is null ? "hwk" : "fed", CreatedAt = now, LastSeenAt = now,
            AbsoluteExpiresAt = now.AddHours(8), FederatedOrganizationId = federatedBy,
        };
        db.UserSessions.Add(session);
        await db.SaveChangesAsync();
        return session.Id;
    }
}

public sealed class SsoServiceTestsOnSqlite(SqliteDatabaseFixture fixture) : SsoServiceTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class SsoServiceTestsOnPostgres(PostgresDatabaseFixture fixture) : SsoServiceTests(fixture), IClassFixture<PostgresDatabaseFixture>;
