using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KeyPortal.Core.ApiTokens;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KeyPortal.TestSupport.RelyingParty;

/// <summary>
/// The IdP as Portal and Admin see it over their back channel, written to the contract of
/// <c>src/IdP</c> (discovery, JWKS, token endpoint with PKCE S256 and client secrets), so the
/// relying parties' sign-in can be tested in process without the real IdP. Plug it in as the
/// OpenID Connect handler's <c>BackchannelHttpHandler</c>; the test plays the browser. A
/// customer's system reaches its token endpoint through <see cref="CreateClient"/> to exchange
/// an API token for a JWT, as at the real IdP (<c>ApiTokenClientCredentials</c>, whose tokens
/// IdP.Tests check claim by claim).
/// </summary>
public sealed class FakeIdentityProvider : HttpMessageHandler
{
    private readonly RsaSecurityKey _signingKey = new(RSA.Create(2048)) { KeyId = "fake-idp-rs256" };
    private readonly ConcurrentDictionary<string, Grant> _codes = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, string> _secrets;

    public FakeIdentityProvider(Uri issuer, IReadOnlyDictionary<string, string> clientSecrets)
    {
        Issuer = issuer;
        _secrets = clientSecrets;
    }

    public Uri Issuer { get; }

    public Uri AuthorizationEndpoint => new(Issuer, "connect/authorize");

    public Uri EndSessionEndpoint => new(Issuer, "connect/endsession");

    /// <summary>Why the last refused token request was refused ("" when none was).</summary>
    public string LastTokenError { get; private set; } = "";

    /// <summary>
    /// The IdP's check of an API token client (client id, secret): the app's own
    /// <see cref="ApiTokenService.VerifyClientAsync"/>, over the database the IdP shares with it.
    /// Null: API tokens are no clients here.
    /// </summary>
    public Func<string, string, Task<ApiTokenCaller?>>? ApiTokenClients { get; set; }

    /// <summary>The lifetime of the JWTs issued against API tokens (the IdP's default).</summary>
    public static readonly TimeSpan ApiTokenAccessTokenLifetime = TimeSpan.FromMinutes(5);

    /// <summary>A client of this IdP as a customer's system reaches it (no cookies), for <c>ApiTokenClients.JwtForAsync</c>.</summary>
    public HttpClient CreateClient() => new(this, disposeHandler: false) { BaseAddress = Issuer };

    /// <summary>
    /// What the real IdP does after the user authenticated: checks the authorization request and
    /// returns the code for the redirect URI, bound to the request's PKCE challenge and nonce.
    /// </summary>
    public string IssueCode(Uri authorizationRequest, IdentityClaims claims)
    {
        ArgumentNullException.ThrowIfNull(authorizationRequest);
        ArgumentNullException.ThrowIfNull(claims);
        var query = QueryHelpers.ParseQuery(authorizationRequest.Query);
        if (query["response_type"] != "code" || query["code_challenge_method"] != "S256" || string.IsNullOrEmpty(query["code_challenge"]))
        {
            throw new InvalidOperationException($"Not a code + PKCE S256 request: {authorizationRequest}");
        }

        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        _codes[code] = new Grant(query["client_id"]!, query["redirect_uri"]!, query["code_challenge"]!, query["nonce"]!, claims);
        return code;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri!;
        if (request.Method == HttpMethod.Get && uri == new Uri(Issuer, ".well-known/openid-configuration"))
        {
            return Json(new Dictionary<string, object>
            {
                ["issuer"] = Issuer.AbsoluteUri,
                ["authorization_endpoint"] = AuthorizationEndpoint.AbsoluteUri,
                ["token_endpoint"] = new Uri(Issuer, "connect/token").AbsoluteUri,
                ["end_session_endpoint"] = EndSessionEndpoint.AbsoluteUri,
                ["jwks_uri"] = new Uri(Issuer, ".well-known/jwks").AbsoluteUri,
                ["response_types_supported"] = new[] { "code" },
                ["subject_types_supported"] = new[] { "public" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["code_challenge_methods_supported"] = new[] { "S256" },
            });
        }

        if (request.Method == HttpMethod.Get && uri == new Uri(Issuer, ".well-known/jwks"))
        {
            var parameters = _signingKey.Rsa.ExportParameters(false);
            return Json(new
            {
                keys = new[]
                {
                    new
                    {
                        kty = "RSA", use = "sig", alg = "RS256", kid = _signingKey.KeyId,
                        n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent),
                    },
                },
            });
        }

        if (request.Method == HttpMethod.Post && uri == new Uri(Issuer, "connect/token"))
        {
            var form = QueryHelpers.ParseQuery(await request.Content!.ReadAsStringAsync(cancellationToken));
            return form.GetValueOrDefault("grant_type") == "client_credentials"
                ? await ApiTokenClientCredentialsAsync(request, form)
                : Token(form);
        }

        return new HttpResponseMessage(HttpStatusCode.NotFound);
    }

    private HttpResponseMessage Token(Dictionary<string, Microsoft.Extensions.Primitives.StringValues> form)
    {
        if (form["grant_type"] != "authorization_code")
        {
            return Refuse("grant_type");
        }

        // Codes are single-use, whatever happens next.
        if (!_codes.TryRemove(form["code"].ToString(), out var grant))
        {
            return Refuse("code unknown or already used");
        }

        if (form["client_id"] != grant.ClientId
            || !_secrets.TryGetValue(grant.ClientId, out var secret)
            || form["client_secret"] != secret)
        {
            return Refuse("client authentication");
        }

        if (form["redirect_uri"] != grant.RedirectUri)
        {
            return Refuse("redirect_uri");
        }

        if (S256(form["code_verifier"].ToString()) != grant.CodeChallenge)
        {
            return Refuse("code_verifier");
        }

        var now = DateTime.UtcNow;
        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer.AbsoluteUri,
            Audience = grant.ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(20),
            SigningCredentials = new SigningCredentials(_signingKey, SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = grant.Claims.Subject.ToString(),
                ["email"] = grant.Claims.Email,
                ["name"] = grant.Claims.Email,
                ["amr"] = grant.Claims.AuthenticationMethods,
                ["sid"] = grant.Claims.SessionId.ToString(),
                ["nonce"] = grant.Nonce,
                ["auth_time"] = (grant.Claims.AuthenticatedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
            },
        });
        LastTokenError = "";
        return Json(new { access_token = "opaque-access-token", token_type = "Bearer", expires_in = 3600, id_token = idToken });
    }

    /// <summary>
    /// An access token as the IdP issues it (JWT, RS256, <c>oi_tkn_id</c> naming its token entry),
    /// for <paramref name="audience"/>; <paramref name="subject"/> is a user's id (with the IdP
    /// session <paramref name="sessionId"/>), or a client's id in client-credentials tokens. <paramref name="signedBy"/> other than null signs with a
    /// key this IdP never published.
    /// </summary>
    /// <param name="scope">The granted scopes, space-separated (RFC 9068 <c>scope</c>); none when null.</param>
    public string IssueAccessToken(
        string subject, string? tokenId, Guid? sessionId = null, string audience = "urn:keyportal:api", RsaSecurityKey? signedBy = null, TimeSpan? lifetime = null,
        string? scope = null)
    {
        var now = DateTime.UtcNow;
        var claims = sessionId is { } sid
            ? new Dictionary<string, object> { ["sub"] = subject, ["client_id"] = "portal", ["sid"] = sid.ToString() }
            : new Dictionary<string, object> { ["sub"] = subject, ["client_id"] = subject };
        if (tokenId is not null)
        {
            claims["oi_tkn_id"] = tokenId;
        }

        if (scope is not null)
        {
            claims["scope"] = scope;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer.AbsoluteUri,
            Audience = audience,
            IssuedAt = now.AddMinutes(-10),
            NotBefore = now.AddMinutes(-10),
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(5)),
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(signedBy ?? _signingKey, SecurityAlgorithms.RsaSha256),
            // A member's token names the session it was issued in and the client that asked;
            // a client's own (client credentials) names the client as its subject.
            Claims = claims,
        });
    }

    /// <summary>
    /// A client's own access token as the IdP issues it (client credentials): <c>sub</c> and
    /// <c>client_id</c> the client, the version of its secret, and no token entry.
    /// </summary>
    public string IssueClientAccessToken(string clientId, string? secretVersion, string? scope = null)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object> { ["sub"] = clientId, ["client_id"] = clientId };
        if (scope is not null)
        {
            claims["scope"] = scope;
        }

        if (secretVersion is not null)
        {
            claims[KeyPortal.Core.Sessions.KeyPortalClaims.ClientSecretVersion] = secretVersion;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer.AbsoluteUri,
            Audience = "urn:keyportal:api",
            IssuedAt = now,
            Expires = now.AddMinutes(10),
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(_signingKey, SecurityAlgorithms.RsaSha256),
            Claims = claims,
        });
    }

    /// <summary>
    /// An access token as the IdP issues it against an API token (client credentials): for
    /// <paramref name="audience"/> (the delivery API), <c>sub</c> and <c>client_id</c> the token's
    /// public id, the user and organization beside it, no token entry. Any <paramref name="caller"/>
    /// can be named, so tests can make tokens the IdP would never issue.
    /// </summary>
    public string IssueApiTokenAccessToken(ApiTokenCaller caller, string audience = "urn:keyportal:delivery", RsaSecurityKey? signedBy = null, TimeSpan? lifetime = null, string? subject = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer.AbsoluteUri,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? ApiTokenAccessTokenLifetime),
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(signedBy ?? _signingKey, SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject ?? caller.PublicId,
                ["client_id"] = caller.PublicId,
                ["ks:api_token"] = caller.PublicId,
                ["ks:user"] = caller.UserId.ToString(),
                ["ks:org"] = caller.OrganizationId.ToString(),
                ["scope"] = "delivery",
                ["jti"] = Guid.NewGuid().ToString(),
            },
        });
    }

    /// <summary>RFC 6749 §4.4 with an API token as the client (Basic or form), answered as the IdP answers.</summary>
    private async Task<HttpResponseMessage> ApiTokenClientCredentialsAsync(HttpRequestMessage request, Dictionary<string, Microsoft.Extensions.Primitives.StringValues> form)
    {
        var (clientId, secret) = (form.GetValueOrDefault("client_id").ToString(), form.GetValueOrDefault("client_secret").ToString());
        if (request.Headers.Authorization is { Scheme: "Basic", Parameter: { } basic })
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(basic)).Split(':', 2);
            (clientId, secret) = (Uri.UnescapeDataString(pair[0]), pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : "");
        }

        if (form.GetValueOrDefault("scope") is { Count: > 0 } scope && scope != "delivery")
        {
            LastTokenError = "scope";
            return new HttpResponseMessage(HttpStatusCode.BadRequest)
            {
                Content = new StringContent("""{"error":"invalid_scope"}""", Encoding.UTF8, "application/json"),
            };
        }

        if (ApiTokenClients is null || !ApiTokenSecret.IsPublicId(clientId) || await ApiTokenClients(clientId, secret) is not { } caller)
        {
            LastTokenError = "client authentication";
            return new HttpResponseMessage(HttpStatusCode.Unauthorized)
            {
                Content = new StringContent("""{"error":"invalid_client","error_description":"The specified client credentials are invalid."}""", Encoding.UTF8, "application/json"),
            };
        }

        LastTokenError = "";
        return Json(new { access_token = IssueApiTokenAccessToken(caller), token_type = "Bearer", expires_in = (int)ApiTokenAccessTokenLifetime.TotalSeconds, scope = "delivery" });
    }

    private HttpResponseMessage Refuse(string reason)
    {
        LastTokenError = reason;
        return new HttpResponseMessage(HttpStatusCode.BadRequest)
        {
            Content = new StringContent("""{"error":"invalid_grant"}""", Encoding.UTF8, "application/json"),
        };
    }

    private static string S256(string verifier) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private static HttpResponseMessage Json(object body) => new(HttpStatusCode.OK)
    {
        Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
    };

    private sealed record Grant(string ClientId, string RedirectUri, string CodeChallenge, string Nonce, IdentityClaims Claims);
}

/// <summary>What the IdP puts in the id_token for one sign-in.</summary>
public sealed record IdentityClaims(Guid Subject, string Email, Guid SessionId, string[] AuthenticationMethods)
{
    /// <summary>The id_token's <c>auth_time</c>; null: the moment the token is made.</summary>
    public DateTimeOffset? AuthenticatedAt { get; init; }

    public static IdentityClaims For(Guid userId, string email, Guid sessionId) => new(userId, email, sessionId, ["hwk", "user"]);
}
