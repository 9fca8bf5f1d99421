using System.Net;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.IdP.Tests.Support;
using KeyPortal.TestSupport.Peers;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Federation.Oidc;

/// <summary>
/// One identity provider host (plain-http identity providers allowed) and one customer OpenID
/// Connect provider (npm oidc-provider) whose single client redirects to our callback. Each test
/// makes its own organization pointing at the provider.
/// </summary>
public sealed class OidcPeerFixture : IAsyncLifetime
{
    public const string ClientId = "keyportal-sso";
    public const string ClientSecret = "customer-provider-client-secret";
    public const string Password = "correct horse battery";

    private static readonly string Run = Guid.NewGuid().ToString("N")[..8];

    /// <summary>The provider's people, one set per test (a person is a member of one organization only); the IdP knows them only when a test adds them.</summary>
    private static readonly OidcTestUser[] People = [.. Enumerable.Range(0, 40).Select(i => new OidcTestUser($"person{i}-{Run}", $"person{i}-{Run}@customer.example", i % 2 == 0, Password))];

    private int _next = -1;

    /// <summary>A person the provider says has a verified address, not used by any other test.</summary>
    public OidcTestUser NextVerified() => People[2 * (Interlocked.Increment(ref _next) % 20)];

    /// <summary>A person the provider says has an address it has not verified.</summary>
    public OidcTestUser NextUnverified() => People[2 * (Interlocked.Increment(ref _next) % 20) + 1];

    public IdpHost Host { get; private set; } = null!;

    public OidcProviderIdp Provider { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await IdpHost.StartAsync(o => o.Setting("Sso:AllowHttp", "true"));
        Provider = await OidcProviderIdp.StartAsync(new OidcProviderOptions
        {
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            RedirectUri = new Uri(IdpHost.LinkBase, "sso/oidc/callback"),
            Users = People,
        });
    }

    public async Task DisposeAsync()
    {
        if (Provider is not null)
        {
            await Provider.DisposeAsync();
        }

        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }

    /// <summary>A new organization whose connection points at the provider, single sign-on on unless told otherwise.</summary>
    public async Task<Organization> OrganizationAsync(bool enabled = true)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        var name = $"oidc-{Guid.NewGuid():N}"[..20];
        var organization = await scope.ServiceProvider.GetRequiredService<OrganizationService>()
            .CreateAsync(AuditActor.System, name, name, OrganizationKind.Customer);
        await ConnectAsync(organization.Id);
        if (enabled)
        {
            await scope.ServiceProvider.GetRequiredService<SsoService>().SetEnabledAsync(AuditActor.System, organization.Id, enabled: true);
        }

        return organization;
    }

    /// <summary>Saves the connection again (its version grows), as an Owner's edit does.</summary>
    public async Task ConnectAsync(Guid organizationId, string clientSecret = ClientSecret)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SsoService>().SaveOidcAsync(
            AuditActor.System, organizationId, new OidcConnectionSettings(Provider.Issuer, ClientId, clientSecret));
    }
}

/// <summary>
/// A browser between our identity provider (in memory) and the customer's OpenID Connect provider (on 127.0.0.1), step by step (unlike
/// the SAML suites' Federation.FederationBrowser, which follows every redirect): each
/// keeps its own cookies, redirects are followed by hand so each step can be looked at.
/// </summary>
public sealed class UpstreamOidcBrowser : IDisposable
{
    private readonly HttpClientHandler _providerHandler = new() { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };

    public UpstreamOidcBrowser(IdpHost host)
    {
        Idp = new OidcBrowser(host);
        Provider = new HttpClient(_providerHandler);
    }

    public OidcBrowser Idp { get; }

    public HttpClient Provider { get; }

    /// <summary>Opens <paramref name="path"/> at our IdP and follows redirects up to the provider's login form.</summary>
    public async Task<Uri> OpenLoginFormAsync(string path)
    {
        using var start = await Idp.Http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var location = start.Headers.Location!;
        Assert.True(location.IsAbsoluteUri && location.Host == "127.0.0.1", $"expected the provider, got {location}");
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        // The provider offers pushed authorization requests (RFC 9126), which OpenIddict uses: the
        // parameters (PKCE S256, state, nonce, redirect_uri) went to it directly, not through the browser.
        Assert.True(query.ContainsKey("request_uri") || query["code_challenge_method"] == "S256", location.Query);
        Assert.False(query.ContainsKey("code_verifier"));
        while (true)
        {
            using var response = await Provider.GetAsync(location);
            if (response.StatusCode is HttpStatusCode.OK)
            {
                Assert.Contains("name=\"password\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                return location;
            }

            location = new Uri(location, response.Headers.Location!);
        }
    }

    /// <summary>Posts the credentials and follows the provider's redirects; returns the callback URL it sends the browser to.</summary>
    public async Task<Uri> SignInAtProviderAsync(Uri form, OidcTestUser user)
    {
        using var posted = await Provider.PostAsync(new Uri(form, $"{form.AbsolutePath}/login"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["login"] = user.Email,
            ["password"] = user.Password,
        }));
        var location = new Uri(form, posted.Headers.Location ?? throw new InvalidOperationException($"no redirect after the login: {(int)posted.StatusCode}"));
        while (location.Host == "127.0.0.1")
        {
            using var response = await Provider.GetAsync(location);
            location = new Uri(location, response.Headers.Location ?? throw new InvalidOperationException($"the provider stopped at {location}: {(int)response.StatusCode}"));
        }

        Assert.Equal("/sso/oidc/callback", location.AbsolutePath);
        return location;
    }

    /// <summary>Opens the callback at our IdP and returns where it sends the browser.</summary>
    public async Task<string> CallbackAsync(Uri callback)
    {
        using var response = await Idp.Http.GetAsync(new Uri(callback.PathAndQuery, UriKind.Relative));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return response.Headers.Location!.OriginalString;
    }

    /// <summary>The whole journey from <paramref name="path"/> to where the callback sends the browser.</summary>
    public async Task<string> SignInAsync(string path, OidcTestUser user) =>
        await CallbackAsync(await SignInAtProviderAsync(await OpenLoginFormAsync(path), user));

    public void Dispose()
    {
        Idp.Dispose();
        Provider.Dispose();
        _providerHandler.Dispose();
    }
}
