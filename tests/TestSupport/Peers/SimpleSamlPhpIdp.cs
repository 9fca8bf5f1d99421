using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace KeyPortal.TestSupport.Peers;

/// <summary>
/// A customer's SAML identity provider of one make: Debian's simplesamlphp 1.19, served by
/// <c>php -S 127.0.0.1:PORT</c> from /usr/share/simplesamlphp/www, with users of
/// <c>exampleauth:UserPass</c>. Its configuration (tests/peers/simplesamlphp, with a settings.json)
/// is written to a fresh temp folder given to it by <c>SIMPLESAMLPHP_CONFIG_DIR</c>.
/// </summary>
public sealed class SimpleSamlPhpIdp : ISamlTestIdp
{
    private const string Www = "/usr/share/simplesamlphp/www";
    private const string Php = "/usr/bin/php";

    private readonly PeerProcess _process;
    private readonly string _serviceProviderMetadataPath;

    private SimpleSamlPhpIdp(PeerProcess process, Uri baseUrl, X509Certificate2 signingCertificate, string serviceProviderMetadataPath)
    {
        _process = process;
        BaseUrl = baseUrl;
        SigningCertificate = signingCertificate;
        _serviceProviderMetadataPath = serviceProviderMetadataPath;
    }

    public Uri BaseUrl { get; }

    public string EntityId => MetadataUrl.AbsoluteUri;

    public Uri MetadataUrl => new(BaseUrl, "saml2/idp/metadata.php");

    public string MetadataXml { get; private set; } = "";

    public Uri SingleSignOnUrl => new(BaseUrl, "saml2/idp/SSOService.php");

    public X509Certificate2 SigningCertificate { get; }

    public string LogPath => _process.LogPath;

    public static Task<SimpleSamlPhpIdp> StartAsync(SimpleSamlPhpOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PeerProcess.StartWithRetriesAsync(token => StartOnceAsync(options, token), cancellationToken);
    }

    /// <summary>simplesamlphp's own IdP-initiated sign-in: SSOService.php with <c>spentityid</c> (and <c>RelayState</c>).</summary>
    public Uri IdpInitiatedUrl(string spEntityId, string? relayState = null)
    {
        var query = "spentityid=" + Uri.EscapeDataString(spEntityId);
        if (relayState is not null)
        {
            query += "&RelayState=" + Uri.EscapeDataString(relayState);
        }

        return new Uri(SingleSignOnUrl + "?" + query);
    }

    public Task UpdateServiceProviderAsync(string spMetadataXml) =>
        ServiceProviderMetadata.WriteAsync(_serviceProviderMetadataPath, spMetadataXml);

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static async Task<SimpleSamlPhpIdp> StartOnceAsync(SimpleSamlPhpOptions options, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Www))
        {
            throw new PeerStartException($"simplesamlphp is not installed ({Www} is missing): run tests/peers/install.sh.");
        }

        var port = LoopbackPort.FreeTcp();
        var baseUrl = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        var work = PeerDirectories.NewWorkDirectory("simplesamlphp");
        var config = Path.Combine(work, "config");
        CopyDirectory(Path.Combine(PeerDirectories.Scripts, "simplesamlphp"), config);
        foreach (var folder in new[] { "cert", "tmp", "sessions" })
        {
            Directory.CreateDirectory(Path.Combine(work, folder));
        }

        var key = PeerSigningKey.Create(Path.Combine(work, "cert"), "idp", "simplesamlphp test identity provider");
        var serviceProviderMetadataPath = Path.Combine(config, "sp-metadata.xml");
        await ServiceProviderMetadata.WriteAsync(serviceProviderMetadataPath, ServiceProviderMetadata.From(options));
        var settings = new
        {
            baseUrl = baseUrl.AbsoluteUri,
            entityId = new Uri(baseUrl, "saml2/idp/metadata.php").AbsoluteUri,
            workDirectory = work,
            secretSalt = RandomNumberGenerator.GetHexString(32, lowercase: true),
            adminPassword = RandomNumberGenerator.GetHexString(32, lowercase: true),
            certificate = key.CertificatePath,
            privateKey = key.PrivateKeyPath,
            serviceProviderMetadata = serviceProviderMetadataPath,
            signAssertion = options.SignAssertion,
            signResponse = options.SignResponse,
            encryptAssertion = options.EncryptAssertion,
            users = options.Users.Select(u => new { username = u.Username, password = u.Password, attributes = u.AllAttributes() }),
        };
        await File.WriteAllTextAsync(Path.Combine(config, "settings.json"), JsonSerializer.Serialize(settings), cancellationToken);

        var process = PeerProcess.Start(
            "simplesamlphp",
            Php,
            ["-S", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "-t", Www],
            work,
            PeerDirectories.NewLogPath("simplesamlphp"),
            new Dictionary<string, string?> { ["SIMPLESAMLPHP_CONFIG_DIR"] = config });
        var idp = new SimpleSamlPhpIdp(process, baseUrl, key.Certificate, serviceProviderMetadataPath);
        try
        {
            await process.WaitUntilReadyAsync(token => PeerHttp.AnswersAsync(idp.MetadataUrl, "IDPSSODescriptor", token), cancellationToken);
            idp.MetadataXml = await PeerHttp.Client.GetStringAsync(idp.MetadataUrl, cancellationToken);
            return idp;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    private static void CopyDirectory(string source, string destination)
    {
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(destination, Path.GetRelativePath(source, directory)));
        }

        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(destination, Path.GetRelativePath(source, file)));
        }
    }
}
