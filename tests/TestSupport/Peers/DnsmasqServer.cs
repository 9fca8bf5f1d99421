using System.Globalization;
using System.Net;
using System.Text;
using DnsClient;

namespace KeyPortal.TestSupport.Peers;

/// <summary>
/// A DNS server for domain verification tests: Debian's dnsmasq on 127.0.0.1 (UDP and TCP, one free
/// port), answering the given TXT records and NXDOMAIN for every other name; it forwards nothing.
/// The records are fixed for its lifetime: start another server for other records.
/// </summary>
public sealed class DnsmasqServer : IAsyncDisposable
{
    private const string Dnsmasq = "/usr/sbin/dnsmasq";

    // One TXT character-string holds at most 255 bytes (RFC 1035 §3.3); longer values are split into
    // several strings of one record, which readers join (as for DKIM keys).
    private const int MaxStringLength = 255;

    private readonly PeerProcess _process;

    private DnsmasqServer(PeerProcess process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public string LogPath => _process.LogPath;

    public static Task<DnsmasqServer> StartAsync(IReadOnlyList<(string Name, string Value)> txtRecords, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(txtRecords);
        foreach (var (name, value) in txtRecords)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Any(c => c is ',' or '"' or '\\' or '\n' or '\r' || char.IsWhiteSpace(c)))
            {
                throw new ArgumentException($"\"{name}\" is not a DNS name.", nameof(txtRecords));
            }

            if (value.Any(c => c is < ' ' or > '~'))
            {
                throw new ArgumentException($"The TXT value for {name} must be printable ASCII.", nameof(txtRecords));
            }
        }

        return PeerProcess.StartWithRetriesAsync(token => StartOnceAsync(txtRecords, token), cancellationToken);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static async Task<DnsmasqServer> StartOnceAsync(IReadOnlyList<(string Name, string Value)> txtRecords, CancellationToken cancellationToken)
    {
        var port = LoopbackPort.FreeTcpAndUdp();
        var work = PeerDirectories.NewWorkDirectory("dnsmasq");
        // A configuration file rather than --txt-record arguments: only dnsmasq's file parser takes
        // quoted values, so that commas and spaces stay inside one string.
        var configuration = new StringBuilder();
        foreach (var (name, value) in txtRecords)
        {
            var strings = value.Chunk(MaxStringLength).Select(chunk => "\"" + new string(chunk).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
            configuration.Append("txt-record=").Append(name).Append(',').AppendJoin(',', value.Length == 0 ? ["\"\""] : strings).Append('\n');
        }

        var configurationPath = Path.Combine(work, "records.conf");
        await File.WriteAllTextAsync(configurationPath, configuration.ToString(), cancellationToken);

        var process = PeerProcess.Start(
            "dnsmasq",
            Dnsmasq,
            [
                // Its own file only: not /etc/dnsmasq.conf nor /etc/dnsmasq.d of a system service.
                "--conf-file=" + configurationPath,
                "--keep-in-foreground",
                "--no-resolv",
                "--no-hosts",
                "--no-poll",
                "--bind-interfaces",
                "--listen-address=127.0.0.1",
                "--port=" + port.ToString(CultureInfo.InvariantCulture),
                // Every name is local: what is not configured is NXDOMAIN, never forwarded.
                "--local=/#/",
                "--user=root",
                "--group=root",
                "--pid-file=",
                "--log-queries",
                "--log-facility=-",
            ],
            work,
            PeerDirectories.NewLogPath("dnsmasq"));
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        try
        {
            var client = new LookupClient(new LookupClientOptions(endPoint) { UseCache = false, Retries = 0, Timeout = TimeSpan.FromSeconds(2), ThrowDnsErrors = false });
            var probeName = txtRecords.Count > 0 ? txtRecords[0].Name : "keyportal-ready.invalid";
            await process.WaitUntilReadyAsync(
                async token =>
                {
                    try
                    {
                        var answer = await client.QueryAsync(probeName, QueryType.TXT, cancellationToken: token);
                        return txtRecords.Count == 0 || answer.Answers.TxtRecords().Any();
                    }
                    catch (DnsResponseException)
                    {
                        return false;
                    }
                },
                cancellationToken);
            return new DnsmasqServer(process, endPoint);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }
}
