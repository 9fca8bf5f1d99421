using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using KeyPortal.TestSupport;

namespace KeyPortal.IdP.Tests.Support;

/// <summary>
/// Plays a browser (cookies, no automatic redirects) and a relying party (code + PKCE S256)
/// against the in-memory identity provider, step by step, through HTTP only.
/// </summary>
public sealed partial class OidcBrowser : IDisposable
{
    public const string PortalRedirect = "http://localhost:5001/signin-oidc";
    public const string PortalSecret = "portal-development-secret";

    public OidcBrowser(IdpHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        Http = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
    }

    public HttpClient Http { get; }

    public string CodeVerifier { get; } = Base64Url(RandomNumberGenerator.GetBytes(32));

    public string CodeChallenge => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(CodeVerifier)));

    public static string AuthorizeUrl(string challenge, string scope = "openid email profile offline_access", string redirectUri = PortalRedirect, string? method = "S256", string clientId = "portal")
    {
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = scope,
            ["state"] = "state-123",
            ["nonce"] = "nonce-456",
        };
        if (method is not null)
        {
            query["code_challenge"] = challenge;
            query["code_challenge_method"] = method;
        }

        return QueryHelpers.AddQueryString("/connect/authorize", query);
    }

    /// <summary>Signs in with a password on the IdP's pages and returns the page it ends on.</summary>
    public async Task<HttpResponseMessage> SignInWithPasswordAsync(string email, string password, string returnUrl = "/")
    {
        var form = await Http.GetStringAsync(new Uri($"/signin/password?ReturnUrl={Uri.EscapeDataString(returnUrl)}", UriKind.Relative));
        return await Http.PostAsync(new Uri("/signin/password", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = password,
            ["ReturnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = AntiforgeryToken(form),
        }));
    }

    /// <summary>Runs the authorization request through a password sign-in and returns the code.</summary>
    public async Task<string> AuthorizeWithPasswordAsync(
        string email, string password, string scope = "openid email profile offline_access", string clientId = "portal", string redirectUri = PortalRedirect)
    {
        var authorize = AuthorizeUrl(CodeChallenge, scope, redirectUri, clientId: clientId);
        using var first = await Http.GetAsync(new Uri(authorize, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.StartsWith("/signin", first.Headers.Location!.OriginalString, StringComparison.Ordinal);

        using var signedIn = await SignInWithPasswordAsync(email, password, authorize);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        using var second = await Http.GetAsync(new Uri(authorize, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        var location = second.Headers.Location!;
        Assert.StartsWith(redirectUri, location.AbsoluteUri, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("state-123", query["state"].ToString());
        return query["code"].ToString();
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> RedeemCodeAsync(
        string code, string? verifier = null, string clientId = "portal", string secret = PortalSecret, string redirectUri = PortalRedirect) =>
        TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
            ["code_verifier"] = verifier ?? CodeVerifier,
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        });

    public Task<(HttpStatusCode Status, JsonElement Body)> RefreshAsync(string refreshToken, string clientId = "portal", string secret = PortalSecret) =>
        TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        });

    public async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(Dictionary<string, string> form)
    {
        using var response = await Http.PostAsync(new Uri("/connect/token", UriKind.Relative), new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.Clone());
    }

    /// <summary>RFC 7662 introspection of <paramref name="token"/> by the client given; the response must be 200.</summary>
    public async Task<JsonElement> IntrospectAsync(string token, string clientId, string secret)
    {
        using var response = await Http.PostAsync(new Uri("/connect/introspect", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token,
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    public static string AntiforgeryToken(string html) => HtmlForms.AntiforgeryToken(html);

    public static string Base64Url(byte[] bytes) => HtmlForms.Base64Url(bytes);

    public void Dispose() => Http.Dispose();
}
