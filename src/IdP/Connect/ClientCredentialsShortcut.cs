using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using KeyPortal.Core.Sessions;
using KeyPortal.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace KeyPortal.IdP.Connect;

/// <summary>
/// The token endpoint's most frequent request answered without OpenIddict's handler chain: a
/// registered confidential client asking for its own access token (client credentials, RFC 6749
/// §4.4) with a secret this instance verified within the last minutes. OpenIddict's chain costs
/// about three times the one signature such a token needs; this path costs little more than it.
/// <list type="bullet">
/// <item>It answers only when it is sure of the answer OpenIddict would give: a form post with
/// exactly <c>grant_type</c>, <c>client_id</c>/<c>client_secret</c> (form or HTTP Basic, never
/// both) and <c>scope</c>; a client remembered by <see cref="ApplicationSnapshots"/>, confidential,
/// without per-client settings or keys, permitted the endpoint, the grant and every scope, each
/// scope registered; the grant and the authentication method enabled on the server; a secret
/// found in <see cref="VerifiedSecrets"/>. Anything else (a first request, a
/// wrong secret, an unknown parameter, an API token as client) goes on to OpenIddict unchanged,
/// so every refusal and every first verification is OpenIddict's own.</item>
/// <item>The token is the one OpenIddict and <see cref="ConnectEndpoints"/> issue for the same
/// request: the same header (<c>alg</c>, <c>kid</c>, <c>typ: at+jwt</c>) and the first signing
/// key, the same claims in the same order (<c>iss</c>, <c>exp</c>, <c>iat</c>, <c>aud</c>,
/// <c>scope</c>, <c>jti</c>, <c>sub</c>, <see cref="KeyPortalClaims.ClientSecretVersion"/>, <c>oi_prst</c>, <c>client_id</c>),
/// the same lifetime, and no token entry either (<see cref="ClientTokens"/>).</item>
/// </list>
/// </summary>
internal sealed class ClientCredentialsShortcut(
    ApplicationSnapshots snapshots,
    VerifiedSecrets verified,
    IOptionsMonitor<OpenIddictServerOptions> server,
    IHostEnvironment environment,
    TimeProvider clock)
{
    /// <summary>The token endpoint's path (<see cref="ServerSetup"/>).</summary>
    public static readonly PathString TokenPath = new("/connect/token");

    private const string FormContentType = "application/x-www-form-urlencoded";

    /// <summary>JSON as OpenIddict writes it in tokens: only what JSON itself requires is escaped (<c>at+jwt</c>, not <c>at\u002Bjwt</c>).</summary>
    private static readonly JsonWriterOptions TokenJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly ConditionalWeakTable<OpenIddictEntityFrameworkCoreApplication, Client?> Clients = [];
    private readonly ConcurrentDictionary<SigningCredentials, Signer?> _signers = new();

    /// <summary>Answers the request and returns true, or returns false having changed nothing but read the form.</summary>
    public async Task<bool> TryAnswerAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method) || request.Path != TokenPath || request.QueryString.HasValue
            || !(request.IsHttps || environment.IsDevelopment())
            || !request.HasFormContentType || !MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals(FormContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var options = server.CurrentValue;
        if (!options.GrantTypes.Contains(GrantTypes.ClientCredentials))
        {
            return false;
        }

        var form = await request.ReadFormAsync(http.RequestAborted);
        if (!TryReadClient(request, form, out var clientId, out var secret, out var method)
            || !options.ClientAuthenticationMethods.Contains(method)
            || !Single(form, Parameters.GrantType, out var grantType) || grantType != GrantTypes.ClientCredentials
            || ApiTokenClientCredentials.IsApiTokenClient(clientId)
            || !snapshots.TryGet(clientId, out var application)
            || ClientOf(application) is not { } client
            || !verified.Contains(application.ClientSecret, secret))
        {
            return false;
        }

        string[] scopes = [];
        if (form.ContainsKey(Parameters.Scope))
        {
            if (!Single(form, Parameters.Scope, out var scope) || !TryReadScopes(scope, options.Scopes, client, out scopes))
            {
                return false;
            }
        }

        if (options.SigningCredentials is not [var credentials, ..] || SignerOf(credentials) is not { } signer
            || options.Issuer is not { } issuer || options.AccessTokenLifetime is not { } accessTokenLifetime)
        {
            return false;
        }

        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var lifetime = (long)accessTokenLifetime.TotalSeconds;
        var audience = ServerSetup.AudienceOf(scopes, issuer);
        var token = signer.Sign(payload =>
        {
            payload.WriteStartObject();
            payload.WriteString(Claims.Issuer, issuer.AbsoluteUri);
            payload.WriteNumber(Claims.ExpiresAt, now + lifetime);
            payload.WriteNumber(Claims.IssuedAt, now);
            payload.WriteString(Claims.Audience, audience);
            if (scopes.Length > 0)
            {
                payload.WriteString(Claims.Scope, string.Join(' ', scopes));
            }

            payload.WriteString(Claims.JwtId, Guid.NewGuid().ToString());
            payload.WriteString(Claims.Subject, clientId);
            payload.WriteString(KeyPortalClaims.ClientSecretVersion, client.SecretVersion);
            payload.WriteString(Claims.Private.Presenter, clientId);
            payload.WriteString(Claims.ClientId, clientId);
            payload.WriteEndObject();
        });

        await WriteResponseAsync(http, token, lifetime);
        return true;
    }

    /// <summary>The client's id and secret, from HTTP Basic or the form (RFC 6749 §2.3.1), when given exactly one way.</summary>
    private static bool TryReadClient(HttpRequest request, IFormCollection form, out string clientId, out string secret, out string method)
    {
        clientId = secret = "";
        method = ClientAuthenticationMethods.ClientSecretPost;
        foreach (var key in form.Keys)
        {
            if (key is not (Parameters.GrantType or Parameters.Scope or Parameters.ClientId or Parameters.ClientSecret))
            {
                return false;
            }
        }

        var authorization = request.Headers.Authorization;
        if (authorization.Count == 0)
        {
            return Single(form, Parameters.ClientId, out clientId) && Single(form, Parameters.ClientSecret, out secret);
        }

        if (authorization.Count != 1 || form.ContainsKey(Parameters.ClientId) || form.ContainsKey(Parameters.ClientSecret)
            || authorization[0] is not { } header || !header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
        }
        catch (FormatException)
        {
            // OpenIddict answers malformed credentials with its own error.
            return false;
        }

        // Both halves are form-encoded (RFC 6749 §2.3.1); those that need decoding go to OpenIddict.
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || decoded.AsSpan().IndexOfAny('%', '+') >= 0)
        {
            return false;
        }

        clientId = decoded[..colon];
        secret = decoded[(colon + 1)..];
        method = ClientAuthenticationMethods.ClientSecretBasic;
        return secret.Length > 0;
    }

    private static bool Single(IFormCollection form, string name, out string value)
    {
        value = form.TryGetValue(name, out var values) && values is [{ Length: > 0 } one] ? one : "";
        return value.Length > 0;
    }

    /// <summary>Distinct scopes separated by single spaces, each registered and permitted to the client.</summary>
    private static bool TryReadScopes(string scope, HashSet<string> registered, Client client, out string[] scopes)
    {
        scopes = scope.Split(' ');
        for (var i = 0; i < scopes.Length; i++)
        {
            var name = scopes[i];
            if (name.Length == 0 || name is Scopes.OpenId or Scopes.OfflineAccess || !registered.Contains(name)
                || !client.Scopes.Contains(name) || Array.IndexOf(scopes, name) != i)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>What this path needs of a client, read once per snapshot; null when the path does not serve it.</summary>
    private static Client? ClientOf(OpenIddictEntityFrameworkCoreApplication application) =>
        Clients.GetValue(application, static application =>
        {
            if (application.ClientType != ClientTypes.Confidential || string.IsNullOrEmpty(application.ClientSecret)
                || !string.IsNullOrEmpty(application.Settings) && application.Settings != "{}"
                || !string.IsNullOrEmpty(application.JsonWebKeySet)
                || string.IsNullOrEmpty(application.Permissions))
            {
                return null;
            }

            string[] permissions;
            try
            {
                permissions = JsonSerializer.Deserialize<string[]>(application.Permissions) ?? [];
            }
            catch (JsonException)
            {
                // OpenIddict decides what a row it cannot read means.
                return null;
            }

            if (!permissions.Contains(Permissions.Endpoints.Token) || !permissions.Contains(Permissions.GrantTypes.ClientCredentials))
            {
                return null;
            }

            var scopes = permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
                .Select(p => p[Permissions.Prefixes.Scope.Length..]).ToHashSet(StringComparer.Ordinal);
            return new Client(scopes, ClientTokens.SecretVersionOf(application));
        });

    private Signer? SignerOf(SigningCredentials credentials) => _signers.GetOrAdd(credentials, Signer.For);

    private static async Task WriteResponseAsync(HttpContext http, byte[] token, long lifetime)
    {
        var buffer = new ArrayBufferWriter<byte>(token.Length + 64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString(Parameters.AccessToken, token);
            json.WriteString(Parameters.TokenType, TokenTypes.Bearer);
            json.WriteNumber(Parameters.ExpiresIn, lifetime);
            json.WriteEndObject();
        }

        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json;charset=UTF-8";
        // RFC 6749 §5.1: token responses are never cached.
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
    }

    private sealed record Client(HashSet<string> Scopes, string SecretVersion);

    /// <summary>A signing key with its JWS header already encoded: RS256 (PKCS#1 v1.5) or ES256 (P-256, r‖s).</summary>
    private sealed class Signer
    {
        private readonly byte[] _header;
        private readonly RSA? _rsa;
        private readonly ECDsa? _ecdsa;

        private Signer(string algorithm, string keyId, RSA? rsa, ECDsa? ecdsa)
        {
            var header = new ArrayBufferWriter<byte>();
            using (var json = new Utf8JsonWriter(header, TokenJson))
            {
                json.WriteStartObject();
                json.WriteString("alg", algorithm);
                json.WriteString("kid", keyId);
                json.WriteString("typ", JsonWebTokenTypes.AccessToken);
                json.WriteEndObject();
            }

            _header = Encoding.ASCII.GetBytes(Base64Url.EncodeToString(header.WrittenSpan) + ".");
            _rsa = rsa;
            _ecdsa = ecdsa;
        }

        public static Signer? For(SigningCredentials credentials) => credentials switch
        {
            { Key: RsaSecurityKey { Rsa: { KeySize: >= 2048 } rsa, KeyId: { Length: > 0 } id }, Algorithm: SecurityAlgorithms.RsaSha256 } when rsa.KeySize % 8 == 0 => new(SecurityAlgorithms.RsaSha256, id, rsa, null),
            { Key: ECDsaSecurityKey { ECDsa: { KeySize: 256 } ecdsa, KeyId: { Length: > 0 } id }, Algorithm: SecurityAlgorithms.EcdsaSha256 } => new(SecurityAlgorithms.EcdsaSha256, id, null, ecdsa),
            _ => null,
        };

        /// <summary>The compact JWS (RFC 7515 §7.1) of the payload <paramref name="write"/> writes, as ASCII bytes.</summary>
        public byte[] Sign(Action<Utf8JsonWriter> write)
        {
            var payload = new ArrayBufferWriter<byte>(512);
            using (var json = new Utf8JsonWriter(payload, TokenJson))
            {
                write(json);
            }

            var signingInputLength = _header.Length + Base64Url.GetEncodedLength(payload.WrittenCount);
            var signatureLength = _rsa is not null ? _rsa.KeySize / 8 : 64;
            var token = new byte[signingInputLength + 1 + Base64Url.GetEncodedLength(signatureLength)];
            _header.CopyTo(token, 0);
            Base64Url.EncodeToUtf8(payload.WrittenSpan, token.AsSpan(_header.Length));
            var signingInput = token.AsSpan(0, signingInputLength);

            Span<byte> signature = stackalloc byte[signatureLength];
            var written = _rsa is not null
                ? _rsa.SignData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                : _ecdsa!.SignData(signingInput, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            if (written != signatureLength)
            {
                throw new CryptographicException("The signature has an unexpected length.");
            }

            token[signingInputLength] = (byte)'.';
            Base64Url.EncodeToUtf8(signature, token.AsSpan(signingInputLength + 1));
            return token;
        }
    }
}

/// <summary>Puts <see cref="ClientCredentialsShortcut"/> in front of OpenIddict.</summary>
internal static class ClientCredentialsShortcutExtensions
{
    /// <summary>Call before authentication (where OpenIddict's server handles its endpoints).</summary>
    public static WebApplication UseClientCredentialsShortcut(this WebApplication app)
    {
        var shortcut = app.Services.GetRequiredService<ClientCredentialsShortcut>();
        app.Use(async (context, next) =>
        {
            if (!await shortcut.TryAnswerAsync(context))
            {
                await next(context);
            }
        });
        return app;
    }
}
