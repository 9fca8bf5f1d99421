using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace KeyPortal.TestSupport.Peers;

/// <summary>
/// A customer's OpenID Connect provider: npm oidc-provider 9 (tests/peers/oidc-provider/server.mjs,
/// run by /usr/bin/node) at <c>http://127.0.0.1:PORT</c>. Authorization code flow with PKCE required;
/// scopes openid, email, profile; email and email_verified in the id_token. Its login page is a form
/// with fields <c>login</c> (email address) and <c>password</c> and a "Sign in" button; consent is
/// implied. Sessions, codes and grants live in its memory.
/// </summary>
public sealed class OidcProviderIdp : IAsyncDisposable
{
    private const string Node = "/usr/bin/node";

    private readonly PeerProcess _process;
    private readonly string _controlToken;

    private OidcProviderIdp(PeerProcess process, Uri issuer, string controlToken)
    {
        _process = process;
        Issuer = issuer;
        _controlToken = controlToken;
    }

    /// <summary>
    /// The issuer's URL. The provider names itself <c>http://127.0.0.1:PORT</c>, without the slash
    /// that <see cref="Uri.AbsoluteUri"/> adds: compare with <see cref="IssuerName"/>.
    /// </summary>
    public Uri Issuer { get; }

    /// <summary>The issuer exactly as the provider writes it in its discovery document and tokens.</summary>
    public string IssuerName => Issuer.GetLeftPart(UriPartial.Authority);

    public Uri DiscoveryUrl => new(Issuer, ".well-known/openid-configuration");

    public string LogPath => _process.LogPath;

    public static Task<OidcProviderIdp> StartAsync(OidcProviderOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PeerProcess.StartWithRetriesAsync(token => StartOnceAsync(options, token), cancellationToken);
    }

    /// <summary>
    /// Puts a new signing key first (new tokens are signed with it) and keeps the old one in the JWKS,
    /// as a provider's key rotation does; sessions and grants are kept.
    /// </summary>
    public async Task RotateSigningKeyAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Issuer, "__control/rotate-signing-key"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _controlToken);
        using var response = await PeerHttp.Client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static async Task<OidcProviderIdp> StartOnceAsync(OidcProviderOptions options, CancellationToken cancellationToken)
    {
        var port = LoopbackPort.FreeTcp();
        var issuer = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        var work = PeerDirectories.NewWorkDirectory("oidc-provider");
        var controlToken = RandomNumberGenerator.GetHexString(32, lowercase: true);
        var settings = new
        {
            port,
            issuer = issuer.GetLeftPart(UriPartial.Authority),
            clientId = options.ClientId,
            clientSecret = options.ClientSecret,
            redirectUri = options.RedirectUri.AbsoluteUri,
            postLogoutRedirectUris = options.PostLogoutRedirectUris.Select(u => u.AbsoluteUri),
            tokenEndpointAuthMethod = options.TokenEndpointAuthMethod,
            controlToken,
            users = options.Users.Select(u => new { subject = u.Subject, email = u.Email, emailVerified = u.EmailVerified, password = u.Password }),
        };
        var settingsPath = Path.Combine(work, "settings.json");
        await File.WriteAllTextAsync(settingsPath, JsonSerializer.Serialize(settings), cancellationToken);

        var scripts = Path.Combine(PeerDirectories.Scripts, "oidc-provider");
        if (!Directory.Exists(Path.Combine(scripts, "node_modules", "oidc-provider")))
        {
            throw new PeerStartException($"npm oidc-provider is not installed in {scripts}: run tests/peers/install.sh.");
        }

        var process = PeerProcess.Start(
            "oidc-provider",
            Node,
            [Path.Combine(scripts, "server.mjs"), settingsPath],
            work,
            PeerDirectories.NewLogPath("oidc-provider"),
            new Dictionary<string, string?> { ["NODE_ENV"] = "production" });
        var idp = new OidcProviderIdp(process, issuer, controlToken);
        try
        {
            await process.WaitUntilReadyAsync(token => PeerHttp.AnswersAsync(idp.DiscoveryUrl, $"\"issuer\":\"{settings.issuer}\"", token), cancellationToken);
            return idp;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }
}
