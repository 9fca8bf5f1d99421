using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using KeyPortal.Core.Sessions;
using KeyPortal.Hosting;
using KeyPortal.IdP.Connect;
using KeyPortal.IdP.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace KeyPortal.IdP.Tests.Connect;

/// <summary>
/// Client credentials answered in front of OpenIddict (<see cref="ClientCredentialsShortcut"/>):
/// the same token OpenIddict issues, and nothing answered that OpenIddict would refuse. Each test
/// uses its own copy of the demo client, so its first request is OpenIddict's.
/// </summary>
[Collection(SharedIdp.Name)]
public sealed class ClientCredentialsShortcutTests(IdpHost host)
{
    private const string Secret = "copy-secret";

    [Fact]
    public async Task The_shortcut_issues_the_token_OpenIddict_issues_and_stores_no_token_entry()
    {
        var clientId = await host.CopyOfDemoClientAsync(Secret);
        using var browser = new OidcBrowser(host);
        var (status, fromOpenIddict) = await browser.TokenAsync(Form(clientId, Secret, "api"));
        Assert.Equal(HttpStatusCode.OK, status);

        // OpenIddict has verified the secret: the same request is now the shortcut's.
        var (answered, shortcutStatus, fromShortcut, headers) = await ShortcutAsync(Form(clientId, Secret, "api"));
        Assert.True(answered);
        Assert.Equal(StatusCodes.Status200OK, shortcutStatus);
        Assert.Equal("no-store", headers.CacheControl.ToString());
        Assert.Equal("no-cache", headers.Pragma.ToString());

        Assert.Equal(Names(fromOpenIddict), Names(fromShortcut));
        Assert.Equal(fromOpenIddict.GetProperty("token_type").GetString(), fromShortcut.GetProperty("token_type").GetString());
        Assert.InRange(fromShortcut.GetProperty("expires_in").GetInt64() - fromOpenIddict.GetProperty("expires_in").GetInt64(), 0, 1);

        var expected = new JsonWebToken(fromOpenIddict.GetProperty("access_token").GetString());
        var actual = new JsonWebToken(fromShortcut.GetProperty("access_token").GetString());
        Assert.Equal(HeaderOf(expected), HeaderOf(actual));
        Assert.Equal(ClaimNames(expected), ClaimNames(actual));
        foreach (var claim in new[] { "iss", "aud", "scope", "sub", "oi_prst", "client_id", KeyPortalClaims.ClientSecretVersion })
        {
            Assert.Equal(expected.GetClaim(claim).Value, actual.GetClaim(claim).Value);
        }

        Assert.Equal(expected.ValidTo - expected.IssuedAt, actual.ValidTo - actual.IssuedAt);
        Assert.NotEqual(expected.Id, actual.Id);
        Assert.False(expected.TryGetClaim("oi_tkn_id", out _));
        Assert.Equal(await SecretVersionAsync(clientId), actual.GetClaim(KeyPortalClaims.ClientSecretVersion).Value);
        await AssertSignedByPublishedKeyAsync(browser, actual);

        // Neither path stored an entry for these tokens.
        await using var scope = host.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var application = await applications.FindByClientIdAsync(clientId) ?? throw new InvalidOperationException("No client.");
        var stored = 0;
        await foreach (var _ in tokens.FindByApplicationIdAsync((await applications.GetIdAsync(application))!))
        {
            stored++;
        }

        Assert.Equal(0, stored);
    }

    [Fact]
    public async Task Without_a_scope_the_token_is_for_the_issuer_and_HTTP_Basic_works_too()
    {
        var clientId = await host.CopyOfDemoClientAsync(Secret);
        using var browser = new OidcBrowser(host);
        var (status, fromOpenIddict) = await browser.TokenAsync(Form(clientId, Secret, scope: null));
        Assert.Equal(HttpStatusCode.OK, status);

        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{Secret}"));
        var (answered, _, fromShortcut, _) = await ShortcutAsync(new() { ["grant_type"] = "client_credentials" }, "Basic " + basic);
        Assert.True(answered);
        var expected = new JsonWebToken(fromOpenIddict.GetProperty("access_token").GetString());
        var actual = new JsonWebToken(fromShortcut.GetProperty("access_token").GetString());
        Assert.Equal(ClaimNames(expected), ClaimNames(actual));
        Assert.False(actual.TryGetClaim("scope", out _));
        Assert.Equal(expected.Audiences, actual.Audiences);
        Assert.Equal(IdpHost.Issuer, actual.Audiences.Single());
    }

    [Fact]
    public async Task Every_request_the_shortcut_is_not_sure_of_goes_to_OpenIddict_and_gets_its_answer()
    {
        var clientId = await host.CopyOfDemoClientAsync(Secret);

        // A secret not yet verified here: OpenIddict's first.
        Assert.False((await ShortcutAsync(Form(clientId, Secret, "api"))).Answered);
        using var browser = new OidcBrowser(host);
        Assert.Equal(HttpStatusCode.OK, (await browser.TokenAsync(Form(clientId, Secret, "api"))).Status);
        Assert.True((await ShortcutAsync(Form(clientId, Secret, "api"))).Answered);

        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{Secret}"));
        var refused = new (string Case, Dictionary<string, string> Form, string? Authorization, HttpStatusCode Status, string Error)[]
        {
            ("wrong secret", Form(clientId, "wrong-secret", "api"), null, HttpStatusCode.Unauthorized, "invalid_client"),
            ("scope not permitted", Form(clientId, Secret, "operator"), null, HttpStatusCode.BadRequest, "invalid_request"),
            ("scope not registered", Form(clientId, Secret, "api unknown"), null, HttpStatusCode.BadRequest, "invalid_scope"),
            ("both Basic and form credentials", Form(clientId, Secret, "api"), basic, HttpStatusCode.BadRequest, "invalid_request"),
            ("a parameter it does not know", With(Form(clientId, Secret, "api"), "resource", "https://elsewhere.example/"), null, HttpStatusCode.BadRequest, "invalid_target"),
            ("another grant", With(Form(clientId, Secret, "api"), "grant_type", "password"), null, HttpStatusCode.BadRequest, "unsupported_grant_type"),
            ("an API token's id", Form("kpat_abcdefghijklmnopqrstuvwx", Secret, "delivery"), null, HttpStatusCode.Unauthorized, "invalid_client"),
        };
        foreach (var (name, form, authorization, expectedStatus, expectedError) in refused)
        {
            Assert.False((await ShortcutAsync(form, authorization)).Answered, name);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/connect/token", UriKind.Relative)) { Content = new FormUrlEncodedContent(form) };
            if (authorization is not null)
            {
                request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
            }

            using var response = await browser.Http.SendAsync(request);
            Assert.True(expectedStatus == response.StatusCode, $"{name}: {response.StatusCode}");
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(expectedError == body.RootElement.GetProperty("error").GetString(), $"{name}: {body.RootElement}");
        }

        // Neither a GET nor a query string nor another content type is its request.
        Assert.False((await ShortcutAsync(Form(clientId, Secret, "api"), method: "GET")).Answered);
        Assert.False((await ShortcutAsync(Form(clientId, Secret, "api"), query: "?scope=api")).Answered);
        Assert.False((await ShortcutAsync(Form(clientId, Secret, "api"), contentType: "multipart/form-data; boundary=x")).Answered);
    }

    [Fact]
    public async Task A_rotated_secret_ends_the_clients_tokens_and_is_the_shortcuts_no_more()
    {
        var clientId = await host.CopyOfDemoClientAsync(Secret);
        using var browser = new OidcBrowser(host);
        Assert.Equal(HttpStatusCode.OK, (await browser.TokenAsync(Form(clientId, Secret, "api"))).Status);
        var (answered, _, shortcut, _) = await ShortcutAsync(Form(clientId, Secret, "api"));
        Assert.True(answered);
        var issued = shortcut.GetProperty("access_token").GetString()!;
        var before = await SecretVersionAsync(clientId);

        // Such a token is live at the IdP too, and cannot be revoked on its own: it has no entry.
        Assert.True((await browser.IntrospectAsync(issued, clientId, Secret)).GetProperty("active").GetBoolean());
        using (var revoke = await browser.Http.PostAsync(new Uri("/connect/revoke", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = issued,
            ["client_id"] = clientId,
            ["client_secret"] = Secret,
        })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, revoke.StatusCode);
            using var error = JsonDocument.Parse(await revoke.Content.ReadAsStringAsync());
            Assert.Equal("unsupported_token_type", error.RootElement.GetProperty("error").GetString());
        }

        Assert.True((await browser.IntrospectAsync(issued, clientId, Secret)).GetProperty("active").GetBoolean());

        await host.RotateSecretAsync(clientId, "rotated-secret");

        // The IdP itself no longer takes the old secret's token either.
        Assert.False((await browser.IntrospectAsync(issued, clientId, "rotated-secret")).GetProperty("active").GetBoolean());

        Assert.False((await ShortcutAsync(Form(clientId, Secret, "api"))).Answered);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.TokenAsync(Form(clientId, Secret, "api"))).Status);
        var (status, body) = await browser.TokenAsync(Form(clientId, "rotated-secret", "api"));
        Assert.Equal(HttpStatusCode.OK, status);
        var version = new JsonWebToken(body.GetProperty("access_token").GetString()).GetClaim(KeyPortalClaims.ClientSecretVersion).Value;
        Assert.NotEqual(before, version);
        Assert.Equal(await SecretVersionAsync(clientId), version);
    }

    [Fact]
    public async Task Tokens_signed_at_once_on_many_threads_all_verify()
    {
        var clientId = await host.CopyOfDemoClientAsync(Secret);
        using var browser = new OidcBrowser(host);
        Assert.Equal(HttpStatusCode.OK, (await browser.TokenAsync(Form(clientId, Secret, "api"))).Status);

        var answers = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => ShortcutAsync(Form(clientId, Secret, "api")))));
        var keys = await PublishedKeysAsync(browser);
        var handler = new JsonWebTokenHandler();
        foreach (var (answered, _, body, _) in answers)
        {
            Assert.True(answered);
            var result = await handler.ValidateTokenAsync(body.GetProperty("access_token").GetString(), Validation(keys));
            Assert.True(result.IsValid, result.Exception?.Message);
        }

        Assert.Equal(64, answers.Select(a => new JsonWebToken(a.Body.GetProperty("access_token").GetString()).Id).Distinct().Count());
    }

    [Fact]
    public async Task Registering_the_clients_again_keeps_an_unchanged_secrets_hash()
    {
        var before = await StoredSecretAsync("demo-client");
        var registrations = host.Services.GetServices<IHostedService>().OfType<ClientRegistrations>().Single();
        await registrations.StartAsync(CancellationToken.None);
        Assert.Equal(before, await StoredSecretAsync("demo-client"));
    }

    private static Dictionary<string, string> Form(string clientId, string secret, string? scope)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret };
        if (scope is not null)
        {
            form["scope"] = scope;
        }

        return form;
    }

    private static Dictionary<string, string> With(Dictionary<string, string> form, string name, string value) => new(form) { [name] = value };

    /// <summary>The shortcut asked directly, as the middleware asks it for a request to the token endpoint.</summary>
    private async Task<(bool Answered, int Status, JsonElement Body, IHeaderDictionary Headers)> ShortcutAsync(
        Dictionary<string, string> form, string? authorization = null, string method = "POST", string query = "",
        string contentType = "application/x-www-form-urlencoded")
    {
        await using var scope = host.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = method;
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("localhost");
        http.Request.Path = ClientCredentialsShortcut.TokenPath;
        http.Request.QueryString = new QueryString(query.Length > 0 ? query : null);
        http.Request.ContentType = contentType;
        http.Request.Body = new MemoryStream(await new FormUrlEncodedContent(form).ReadAsByteArrayAsync());
        if (authorization is not null)
        {
            http.Request.Headers.Authorization = authorization;
        }

        var responseBody = new MemoryStream();
        http.Response.Body = responseBody;
        var answered = await host.Services.GetRequiredService<ClientCredentialsShortcut>().TryAnswerAsync(http);
        if (!answered)
        {
            Assert.Equal(0, responseBody.Length);
            return (false, http.Response.StatusCode, default, http.Response.Headers);
        }

        using var json = JsonDocument.Parse(responseBody.ToArray());
        return (true, http.Response.StatusCode, json.RootElement.Clone(), http.Response.Headers);
    }


    private static string[] Names(JsonElement body) => [.. body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private static string HeaderOf(JsonWebToken token) => Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(token.EncodedHeader));

    private static string[] ClaimNames(JsonWebToken token)
    {
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.EncodedPayload));
        return [.. payload.RootElement.EnumerateObject().Select(p => p.Name)];
    }

    private static async Task<IList<JsonWebKey>> PublishedKeysAsync(OidcBrowser browser) =>
        new JsonWebKeySet(await browser.Http.GetStringAsync(new Uri("/.well-known/jwks", UriKind.Relative))).Keys;

    private static TokenValidationParameters Validation(IList<JsonWebKey> keys) => new()
    {
        ValidIssuer = IdpHost.Issuer,
        ValidAudience = ServerSetup.ApiResource,
        ValidTypes = ["at+jwt"],
        IssuerSigningKeys = keys,
    };

    private static async Task AssertSignedByPublishedKeyAsync(OidcBrowser browser, JsonWebToken token)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token.EncodedToken, Validation(await PublishedKeysAsync(browser)));
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    private async Task<string> SecretVersionAsync(string clientId) => ClientTokens.SecretVersionOf(await StoredSecretAsync(clientId));

    private async Task<string?> StoredSecretAsync(string clientId)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        return (await applications.FindByClientIdAsync(clientId) as OpenIddictEntityFrameworkCoreApplication)?.ClientSecret;
    }
}
