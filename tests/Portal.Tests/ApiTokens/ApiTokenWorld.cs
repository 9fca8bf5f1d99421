using System.Net;
using System.Text.Json;
using KeyPortal.Core.ApiTokens;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Portal.Tests.ApiTokens;

/// <summary>How a customer's system presents its API token.</summary>
public enum Credential
{
    /// <summary><c>Authorization: Bearer kpat_…</c>.</summary>
    Bearer,

    /// <summary>A JWT the IdP issued against the token (client credentials), before whatever the test does next.</summary>
    Jwt,
}

/// <summary>The Portal with organizations, members and their API tokens, called like a customer's system.</summary>
public sealed class ApiTokenWorld(RelyingPartyAppFactory<Program> app)
{
    public static readonly Uri OrganizationPath = new("/api/organization", UriKind.Relative);

    public static readonly Uri CallerPath = new("/api/me", UriKind.Relative);

    public RelyingPartyAppFactory<Program> App { get; } = app;

    public Members Members => Members.In(App.Services);

    /// <summary>A new customer organization with an Owner of its own (so any other member can be removed or demoted).</summary>
    public async Task<(Organization Organization, User Owner)> OrganizationAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        var slug = $"api-{Guid.NewGuid():N}"[..24];
        var organization = await scope.ServiceProvider.GetRequiredService<OrganizationService>()
            .CreateAsync(AuditActor.System, $"Customer {slug}", slug, OrganizationKind.Customer);
        return (organization, await Members.AddAsync(organization.Id, MemberRoles.Owner));
    }

    public Task<GeneratedApiToken> TokenAsync(User member, Guid organizationId) =>
        ApiTokenClients.GenerateTokenAsync(App.Services, member, organizationId);

    /// <summary>What the customer's system sends: the token, or a JWT the IdP issues for it now.</summary>
    public async Task<string> CredentialAsync(Credential credential, GeneratedApiToken token)
    {
        if (credential == Credential.Bearer)
        {
            return token.Value;
        }

        using var idp = App.IdentityProvider.CreateClient();
        return await ApiTokenClients.JwtForAsync(idp, token.Value);
    }

    /// <summary>A GET of the API as a customer's system makes it: bearer credential, no cookie.</summary>
    public async Task<HttpResponseMessage> CallAsync(Uri path, string credential)
    {
        using var client = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        return await ApiTokenClients.CallAsync(client, HttpMethod.Get, path.OriginalString, credential);
    }

    /// <summary>The organization <c>/api/organization</c> answers for (200 asserted).</summary>
    public async Task<Guid> OrganizationOfAsync(string credential)
    {
        using var response = await CallAsync(OrganizationPath, credential);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>Both API calls answer 200: the organization the token acts in, and the caller.</summary>
    public async Task AssertLiveAsync(string credential, Guid organizationId)
    {
        Assert.Equal(organizationId, await OrganizationOfAsync(credential));
        using var caller = await CallAsync(CallerPath, credential);
        Assert.Equal(HttpStatusCode.OK, caller.StatusCode);
    }

    /// <summary>Both API calls are the API's 401: problem JSON, a Bearer challenge, no redirect.</summary>
    public async Task AssertRefusedAsync(string credential)
    {
        foreach (var path in new[] { OrganizationPath, CallerPath })
        {
            using var response = await CallAsync(path, credential);
            AssertUnauthorized(response);
        }
    }

    public static void AssertUnauthorized(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var challenge = response.Headers.WwwAuthenticate.Single();
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Null(response.Headers.Location);
    }
}
