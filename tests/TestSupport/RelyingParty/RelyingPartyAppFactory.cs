using System.Net;
using KeyPortal.Core;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace KeyPortal.TestSupport.RelyingParty;

/// <summary>
/// Hosts Portal or Admin in memory with <see cref="FakeIdentityProvider"/> as its IdP, and plays
/// the browser through the authorization-code flow.
/// </summary>
public class RelyingPartyAppFactory<TProgram> : KeyPortalAppFactory<TProgram>
    where TProgram : class
{
    /// <summary>The IdP's development address (<see cref="PublicUrlOptions.IdP"/> default), as the contract fixes it.</summary>
    public static readonly Uri IdPUrl = new("http://localhost:5000/");

    public FakeIdentityProvider IdentityProvider { get; } = new(IdPUrl, new Dictionary<string, string>
    {
        ["portal"] = "portal-development-secret",
        ["admin"] = "admin-development-secret",
    });

    public RelyingPartyAppFactory()
    {
        // API tokens are clients of the IdP's token endpoint, checked against the database it
        // shares with the app, as the real IdP does.
        IdentityProvider.ApiTokenClients = async (clientId, secret) =>
        {
            await using var scope = Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<KeyPortal.Core.ApiTokens.ApiTokenService>()
                .VerifyClientAsync(clientId, secret, "192.0.2.80");
        };
    }

    /// <summary>A client that keeps cookies and does not follow redirects, so tests see each hop.</summary>
    public HttpClient CreateBrowser() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>
    /// Opens <paramref name="path"/> (which must need sign-in), lets the IdP sign in the user with
    /// <paramref name="claims"/>, and returns the app's answer to the authorization response.
    /// </summary>
    public async Task<HttpResponseMessage> SignInAsync(HttpClient browser, IdentityClaims claims, string path = "/")
    {
        ArgumentNullException.ThrowIfNull(browser);
        using var challenge = await browser.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var authorize = challenge.Headers.Location!;
        Assert.StartsWith(IdentityProvider.AuthorizationEndpoint.AbsoluteUri, authorize.AbsoluteUri, StringComparison.Ordinal);

        var code = IdentityProvider.IssueCode(authorize, claims);
        var state = QueryHelpers.ParseQuery(authorize.Query)["state"].ToString();
        var callback = QueryHelpers.AddQueryString("/" + RelyingPartyPaths.Callback, new Dictionary<string, string?>
        {
            ["code"] = code,
            ["state"] = state,
            ["iss"] = IdentityProvider.Issuer.AbsoluteUri,
        });
        return await browser.GetAsync(new Uri(callback, UriKind.Relative));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.Configure<OpenIdConnectOptions>(
                OpenIdConnectDefaults.AuthenticationScheme,
                options => options.BackchannelHttpHandler = IdentityProvider);
            services.Configure<JwtBearerOptions>(
                ApiAuthentication.BearerScheme,
                options => options.BackchannelHttpHandler = IdentityProvider);
        });
    }
}
