using System.Net;
using DnsClient;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.SingleSignOn;

/// <summary>Reads DNS TXT records (domain verification).</summary>
public interface IDomainRecordLookup
{
    /// <summary>The TXT strings under <paramref name="domain"/>; empty when there are none or DNS does not answer.</summary>
    Task<IReadOnlyList<string>> TxtRecordsAsync(string domain, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IDomainRecordLookup"/> with DnsClient, asking <see cref="SsoOptions.NameServer"/>
/// when set (a company's own resolver, or a test's dnsmasq), else the machine's resolvers.
/// No cache: an administrator who just published the record expects the next check to see it.
/// </summary>
public sealed class DnsDomainRecordLookup(IOptions<SsoOptions> options) : IDomainRecordLookup
{
    private readonly LookupClient _client = Create(options.Value.NameServer);

    public async Task<IReadOnlyList<string>> TxtRecordsAsync(string domain, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.QueryAsync(domain, QueryType.TXT, QueryClass.IN, cancellationToken);
            return [.. response.Answers.TxtRecords().Select(r => string.Concat(r.Text))];
        }
        catch (DnsResponseException)
        {
            return [];
        }
    }

    private static LookupClient Create(string? nameServer)
    {
        var settings = string.IsNullOrWhiteSpace(nameServer)
            ? new LookupClientOptions()
            : new LookupClientOptions(IPEndPoint.Parse(nameServer));
        settings.UseCache = false;
        settings.Timeout = TimeSpan.FromSeconds(3);
        settings.Retries = 1;
        settings.ThrowDnsErrors = false;
        return new LookupClient(settings);
    }
}
