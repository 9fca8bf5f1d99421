using System.Net;
using System.Text.Json;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Persistence;
using KeyPortal.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace KeyPortal.TestSupport.RelyingParty;

/// <summary>
/// Members' API tokens on the app's API: taken, as themselves and as the JWTs the IdP issues
/// against them, only by an app that admits them (<see cref="KeyPortal.Hosting.RelyingParty.AdmitsApiTokens"/>);
/// everywhere else both are the API's 401 problem.
/// </summary>
public abstract partial class RelyingPartyTests<TProgram>
{
    /// <summary>Whether this app's API must take API tokens (the Portal's does; the console's must not), stated by each app's suite.</summary>
    protected virtual bool ApiAdmitsApiTokens => false;

    [Fact]
    public async Task An_API_token_and_a_JWT_issued_against_it_call_only_an_API_that_takes_API_tokens()
    {
        var owner = await Members.AddAsync(null, MemberRoles.Owner);
        Guid organizationId;
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            organizationId = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Memberships
                .Where(m => m.UserId == owner.Id).Select(m => m.OrganizationId).SingleAsync();
        }

        var token = await ApiTokenClients.GenerateTokenAsync(Factory.Services, owner, organizationId);
        using var idp = Factory.IdentityProvider.CreateClient();
        var jwt = await ApiTokenClients.JwtForAsync(idp, token.Value);

        foreach (var credential in new[] { token.Value, jwt })
        {
            using var response = await CallAsync(CallerPath, credential);
            if (!ApiAdmitsApiTokens)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
                continue;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(ApiCaller.MemberKind, json.RootElement.GetProperty("kind").GetString());
            Assert.Equal(owner.Id, json.RootElement.GetProperty("userId").GetGuid());
            Assert.Equal(token.Token.PublicId, json.RootElement.GetProperty("apiToken").GetString());
        }
    }
}
