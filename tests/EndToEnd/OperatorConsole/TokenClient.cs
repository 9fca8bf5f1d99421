using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using KeyPortal.TestSupport;

namespace KeyPortal.EndToEnd.OperatorConsole;

/// <summary>
/// A relying party's back channel against the running IdP, as a script would drive it: the
/// authorization-code flow with PKCE through a password sign-in (as the Portal), refresh,
/// introspection, client credentials, and calls to an app's API with a bearer token.
/// </summary>
public sealed partial class TokenClient(KeyPortalApps apps) : IDisposable
{
    public const string PortalSecret = "portal-development-secret";

    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
    {
        BaseAddress = apps.IdP,
    };

    private string PortalRedirect => new Uri(apps.Portal, "signin-oidc").AbsoluteUri;

    /// <summary>Signs in with <paramref name="password"/> and redeems the code: access and refresh token of the Portal client.</summary>
    public async Task<(string AccessToken, string RefreshToken)> SignInAsync(string email, string password)
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var authorize = QueryHelpers.AddQueryString("/connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = "portal",
            ["redirect_uri"] = PortalRedirect,
            ["response_type"] = "code",
            ["scope"] = "openid email profile offline_access api",
            ["state"] = "state-1",
            ["nonce"] = "nonce-1",
            ["code_challenge"] = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            ["code_challenge_method"] = "S256",
        });
        using (var first = await _http.GetAsync(new Uri(authorize, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        }

        var form = await _http.GetStringAsync(new Uri($"/signin/password?ReturnUrl={Uri.EscapeDataString(authorize)}", UriKind.Relative));
        using (var signedIn = await _http.PostAsync(new Uri("/signin/password", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = password,
            ["ReturnUrl"] = authorize,
            ["__RequestVerificationToken"] = HtmlForms.AntiforgeryToken(form),
        })))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        }

        using var second = await _http.GetAsync(new Uri(authorize, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        var location = second.Headers.Location!;
        Assert.StartsWith(PortalRedirect, location.AbsoluteUri, StringComparison.Ordinal);
        var code = QueryHelpers.ParseQuery(location.Query)["code"].ToString();
        var (status, body) = await TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = PortalRedirect,
            ["code_verifier"] = verifier,
            ["client_id"] = "portal",
            ["client_secret"] = PortalSecret,
        });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return (body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!);
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> RefreshAsync(string refreshToken) =>
        TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = "portal",
            ["client_secret"] = PortalSecret,
        });

    /// <summary>Client credentials with an API token: its public id as client id, the whole token as secret.</summary>
    public Task<(HttpStatusCode Status, JsonElement Body)> ApiTokenGrantAsync(string apiToken) =>
        TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = apiToken[..apiToken.IndexOf('.', StringComparison.Ordinal)],
            ["client_secret"] = apiToken,
        });

    /// <summary>Whether the IdP's introspection endpoint calls <paramref name="token"/> active (asked by the Portal client).</summary>
    public async Task<bool> IsActiveAsync(string token)
    {
        using var response = await _http.PostAsync(new Uri("/connect/introspect", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token,
            ["client_id"] = "portal",
            ["client_secret"] = PortalSecret,
        }));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("active").GetBoolean();
    }

    /// <summary>The status of <c>GET path</c> on <paramref name="app"/> with <paramref name="token"/> as bearer.</summary>
    public async Task<HttpStatusCode> CallAsync(Uri app, string path, string token)
    {
        using var client = new HttpClient { BaseAddress = app };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    public void Dispose() => _http.Dispose();

    private async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(Dictionary<string, string> form)
    {
        using var response = await _http.PostAsync(new Uri("/connect/token", UriKind.Relative), new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.Clone());
    }

    private static string Base64Url(byte[] bytes) => HtmlForms.Base64Url(bytes);
}
