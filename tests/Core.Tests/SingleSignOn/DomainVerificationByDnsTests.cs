using KeyPortal.Core.SingleSignOn;
using KeyPortal.TestSupport.Peers;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Tests.SingleSignOn;

/// <summary>
/// Domain verification through a real DNS server (Debian's dnsmasq on 127.0.0.1): the
/// organization claims a domain, its DNS administrator publishes the TXT record, and the
/// check finds it with the resolver the product uses.
/// </summary>
public sealed class DomainVerificationByDnsTests(SqliteDatabaseFixture fixture) : DatabaseTests(fixture), IClassFixture<SqliteDatabaseFixture>
{
    [Fact]
    public async Task A_published_txt_record_verifies_the_claim_and_a_missing_one_does_not()
    {
        var organization = await GivenOrganizationAsync(sso: true);
        var published = $"{Unique.Slug("verified")}.example";
        var unpublished = $"{Unique.Slug("pending")}.example";
        SsoDomain claim, other;
        await using (var scope = OpenScope())
        {
            claim = await scope.Sso().ClaimDomainAsync(Actors.Operator, organization.Id, published);
            other = await scope.Sso().ClaimDomainAsync(Actors.Operator, organization.Id, unpublished);
        }

        await using var dns = await DnsmasqServer.StartAsync([
            (published, "v=spf1 -all"),
            (published, claim.ExpectedRecord),
            (unpublished, "keyportal-domain-verification=" + new string('0', 32)),
        ]);
        var resolver = new DnsDomainRecordLookup(Options.Create(new SsoOptions { NameServer = dns.EndPoint.ToString() }));

        Assert.Contains(claim.ExpectedRecord, await resolver.TxtRecordsAsync(published, CancellationToken.None));
        await using (var scope = OpenScope())
        {
            var verified = await scope.Sso(resolver).VerifyDomainByDnsAsync(Actors.Operator, organization.Id, claim.Id);
            Assert.Equal("dns", verified?.VerifiedBy);
            Assert.Null(await scope.Sso(resolver).VerifyDomainByDnsAsync(Actors.Operator, organization.Id, other.Id));
        }

        await using (var scope = OpenScope())
        {
            Assert.Equal(organization.Id, (await scope.Sso(resolver).RouteAsync($"someone@{published}"))?.Id);
            Assert.Null(await scope.Sso(resolver).RouteAsync($"someone@{unpublished}"));
        }
    }

    [Fact]
    public async Task A_name_the_server_does_not_know_has_no_records()
    {
        await using var dns = await DnsmasqServer.StartAsync([("known.example", "value")]);
        var resolver = new DnsDomainRecordLookup(Options.Create(new SsoOptions { NameServer = dns.EndPoint.ToString() }));

        Assert.Empty(await resolver.TxtRecordsAsync("unknown.example", CancellationToken.None));
    }
}
