using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace KeyPortal.TestSupport.Peers;

/// <summary>
/// A customer's SAML identity provider of a second make: Debian's pysaml2 (<c>saml2.server.Server</c>)
/// in a small WSGI app, tests/peers/pysaml2/idp.py, run by /usr/bin/python3 (not a pyenv shim) and
/// signing with xmlsec1. Single sign-on at /sso/redirect (HTTP-Redirect) and /sso/post (HTTP-POST)
/// shows a login form (fields <c>username</c>, <c>password</c>, button "Sign in"); the answer is an
/// auto-posting form to the service provider's assertion consumer service.
/// </summary>
public sealed class PySaml2Idp : ISamlTestIdp
{
    private const string Python = "/usr/bin/python3";

    private readonly PeerProcess _process;
    private readonly string _serviceProviderMetadataPath;

    private PySaml2Idp(PeerProcess process, Uri baseUrl, X509Certificate2 signingCertificate, string serviceProviderMetadataPath)
    {
        _process = process;
        BaseUrl = baseUrl;
        SigningCertificate = signingCertificate;
        _serviceProviderMetadataPath = serviceProviderMetadataPath;
    }

    public Uri BaseUrl { get; }

    public string EntityId => MetadataUrl.AbsoluteUri;

    public Uri MetadataUrl => new(BaseUrl, "metadata");

    public string MetadataXml { get; private set; } = "";

    public Uri SingleSignOnUrl => new(BaseUrl, "sso/redirect");

    /// <summary>The single sign-on endpoint of the HTTP-POST binding.</summary>
    public Uri SingleSignOnPostUrl => new(BaseUrl, "sso/post");

    public X509Certificate2 SigningCertificate { get; }

    public string LogPath => _process.LogPath;

    public static Task<PySaml2Idp> StartAsync(PySaml2Options options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PeerProcess.StartWithRetriesAsync(token => StartOnceAsync(options, token), cancellationToken);
    }

    public Uri IdpInitiatedUrl(string spEntityId, string? relayState = null)
    {
        var query = "spentityid=" + Uri.EscapeDataString(spEntityId);
        if (relayState is not null)
        {
            query += "&RelayState=" + Uri.EscapeDataString(relayState);
        }

        return new Uri(new Uri(BaseUrl, "sso/unsolicited") + "?" + query);
    }

    public Task UpdateServiceProviderAsync(string spMetadataXml) =>
        ServiceProviderMetadata.WriteAsync(_serviceProviderMetadataPath, spMetadataXml);

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static async Task<PySaml2Idp> StartOnceAsync(PySaml2Options options, CancellationToken cancellationToken)
    {
        var port = LoopbackPort.FreeTcp();
        var baseUrl = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        var work = PeerDirectories.NewWorkDirectory("pysaml2");
        var key = PeerSigningKey.Create(work, "idp", "pysaml2 test identity provider");
        var serviceProviderMetadataPath = Path.Combine(work, "sp-metadata.xml");
        await ServiceProviderMetadata.WriteAsync(serviceProviderMetadataPath, ServiceProviderMetadata.From(options));
        var settings = new
        {
            port,
            baseUrl = baseUrl.AbsoluteUri,
            entityId = new Uri(baseUrl, "metadata").AbsoluteUri,
            certificate = key.CertificatePath,
            privateKey = key.PrivateKeyPath,
            serviceProviderMetadata = serviceProviderMetadataPath,
            signAssertion = options.SignAssertion,
            signResponse = options.SignResponse,
            encryptAssertion = options.EncryptAssertion,
            users = options.Users.Select(u => new { username = u.Username, password = u.Password, email = u.Email, attributes = u.AllAttributes() }),
        };
        var settingsPath = Path.Combine(work, "settings.json");
        await File.WriteAllTextAsync(settingsPath, JsonSerializer.Serialize(settings), cancellationToken);

        var process = PeerProcess.Start(
            "pysaml2",
            Python,
            ["-u", Path.Combine(PeerDirectories.Scripts, "pysaml2", "idp.py"), settingsPath],
            work,
            PeerDirectories.NewLogPath("pysaml2"),
            // pysaml2 is Debian's, in /usr/lib/python3/dist-packages: nothing from a user's Python setup.
            new Dictionary<string, string?> { ["PYTHONNOUSERSITE"] = "1", ["PYTHONPATH"] = null, ["PYTHONHOME"] = null });
        var idp = new PySaml2Idp(process, baseUrl, key.Certificate, serviceProviderMetadataPath);
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
}
