using System.Net;
using System.Text.Json;
using KeyPortal.Core.ApiTokens;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Tests.Support;
using KeyPortal.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.EntityFrameworkCore.Models;

namespace KeyPortal.IdP.Tests.Connect;

/// <summary>
/// API tokens at the token endpoint (client credentials: the public id as client id, the whole
/// token as secret): a short-lived RFC 9068 JWT for the delivery API, with no token entry; every
/// refused token the same <c>invalid_client</c>.
/// </summary>
[Collection(SharedIdp.Name)]
public sealed class ApiTokenClientCredentialsTests(IdpHost host)
{
    [Fact]
    public async Task An_API_token_gets_a_short_lived_JWT_for_the_delivery_API_that_validates_against_the_JWKS()
    {
        var (owner, organizationId, token) = await OwnerWithTokenAsync();
        using var idp = host.CreateClient();

        var jwt = await ApiTokenClients.JwtForAsync(idp, token.Value);

        // An independent validator: Microsoft.IdentityModel's discovery client and JWT handler.
        var configuration = await new ConfigurationManager<OpenIdConnectConfiguration>(
            IdpHost.Issuer + ".well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(idp) { RequireHttps = false }).GetConfigurationAsync(CancellationToken.None);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(jwt, new TokenValidationParameters
        {
            ValidIssuer = IdpHost.Issuer,
            ValidAudience = ApiTokenClients.DeliveryAudience,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidTypes = ["at+jwt"],
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var access = (JsonWebToken)result.SecurityToken;
        Assert.Equal("at+jwt", access.Typ);
        Assert.Equal([ApiTokenClients.DeliveryAudience], access.Audiences);
        // RFC 9068 §2.2: the client acting for itself is the subject; the API token is the client.
        Assert.Equal(token.Token.PublicId, access.Subject);
        Assert.Equal(token.Token.PublicId, access.GetClaim("client_id").Value);
        Assert.Equal(token.Token.PublicId, access.GetClaim("ks:api_token").Value);
        Assert.Equal(owner.Id.ToString(), access.GetClaim("ks:user").Value);
        Assert.Equal(organizationId.ToString(), access.GetClaim("ks:org").Value);
        Assert.Equal("delivery", access.GetClaim("scope").Value);
        Assert.False(string.IsNullOrEmpty(access.Id));
        Assert.Equal(TimeSpan.FromMinutes(5), access.ValidTo - access.IssuedAt);
        Assert.False(access.TryGetClaim("oi_tkn_id", out _), "No token entry, so no token entry id.");
        Assert.False(access.TryGetClaim("email", out _));
    }

    [Fact]
    public async Task Issuing_a_JWT_against_an_API_token_or_to_a_registered_client_for_itself_writes_no_token_entry()
    {
        var (_, _, token) = await OwnerWithTokenAsync();
        using var idp = host.CreateClient();
        var before = await EntriesAsync();

        for (var i = 0; i < 3; i++)
        {
            await ApiTokenClients.JwtForAsync(idp, token.Value);
        }

        Assert.Equal(before, await EntriesAsync());

        // A registered client's own token has none either: its registration and secret decide (ClientTokens).
        using var registered = await idp.PostAsync(ApiTokenClients.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-client",
            ["client_secret"] = "demo-secret",
            ["scope"] = "api",
        }));
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        Assert.Equal(before, await EntriesAsync());
    }

    [Theory]
    [InlineData(ClientAuthentication.Basic)]
    [InlineData(ClientAuthentication.Form)]
    [InlineData(ClientAuthentication.Basic, "delivery")]
    public async Task The_token_authenticates_by_HTTP_Basic_or_in_the_form(ClientAuthentication authentication, string? scope = null)
    {
        var (_, _, token) = await OwnerWithTokenAsync();
        using var idp = host.CreateClient();

        using var response = await ApiTokenClients.RequestJwtAsync(idp, token.Token.PublicId, token.Value, authentication, scope);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Bearer", body.RootElement.GetProperty("token_type").GetString());
        Assert.InRange(body.RootElement.GetProperty("expires_in").GetInt32(), 290, 300);
        Assert.False(body.RootElement.TryGetProperty("refresh_token", out _));
        Assert.Equal(ApiTokenClients.DeliveryAudience, new JsonWebToken(body.RootElement.GetProperty("access_token").GetString()).Audiences.Single());
    }

    [Theory]
    [InlineData("api")]
    [InlineData("openid")]
    [InlineData("offline_access")]
    public async Task An_API_token_gets_no_other_scope(string scope)
    {
        var (_, _, token) = await OwnerWithTokenAsync();
        using var idp = host.CreateClient();

        using var response = await ApiTokenClients.RequestJwtAsync(idp, token.Token.PublicId, token.Value, scope: scope);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        // OpenIddict says invalid_request for a scope the client may not use; the IdP invalid_scope for openid.
        Assert.Contains(body.RootElement.GetProperty("error").GetString(), new[] { "invalid_request", "invalid_scope" });
        Assert.False(body.RootElement.TryGetProperty("access_token", out _));
    }

    public static TheoryData<string, ClientAuthentication> Refusals()
    {
        var data = new TheoryData<string, ClientAuthentication>();
        foreach (var refusal in new[] { "wrong secret", "unknown id", "revoked", "expired", "suspended user", "another token's secret", "secret of no token's shape" })
        {
            data.Add(refusal, ClientAuthentication.Basic);
            data.Add(refusal, ClientAuthentication.Form);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_token_that_must_not_get_a_JWT_is_an_invalid_client_that_looks_like_every_other(string refusal, ClientAuthentication authentication)
    {
        var (owner, organizationId, token) = await OwnerWithTokenAsync();
        using var idp = host.CreateClient();
        var (clientId, secret) = (token.Token.PublicId, token.Value);
        switch (refusal)
        {
            case "wrong secret":
                secret = $"{token.Token.PublicId}.{ApiTokenSecret.Generate().Secret}";
                break;
            case "unknown id":
                var unknown = ApiTokenSecret.Generate();
                (clientId, secret) = (unknown.PublicId, unknown.Value);
                break;
            case "revoked":
                await ApiTokenClients.RevokeAsync(host.Services, owner, organizationId, token);
                break;
            case "expired":
                await ApiTokenClients.ExpireAsync(host.Services, token);
                break;
            case "suspended user":
                await using (var scope = host.Services.CreateAsyncScope())
                {
                    await scope.ServiceProvider.GetRequiredService<UserAccountService>().SuspendAsync(AuditActor.System, owner.Id, "lost key");
                }

                break;
            case "another token's secret":
                secret = (await OwnerWithTokenAsync()).Token.Value;
                break;
            default:
                secret = "demo-secret";
                break;
        }

        var before = await EntriesAsync();
        using var refused = await ApiTokenClients.RequestJwtAsync(idp, clientId, secret, authentication);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(await ReferenceRefusalAsync(idp, authentication), await refused.Content.ReadAsStringAsync());
        using var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("invalid_client", body.RootElement.GetProperty("error").GetString());
        if (authentication == ClientAuthentication.Basic)
        {
            // RFC 6749 §5.2: a client that tried HTTP Basic is challenged with its scheme.
            Assert.Equal("Basic", refused.Headers.WwwAuthenticate.Single().Scheme);
        }

        Assert.Equal(before, await EntriesAsync());
    }

    [Fact]
    public async Task A_revoked_token_is_refused_on_its_very_next_request()
    {
        var (owner, organizationId, token) = await OwnerWithTokenAsync();
        using var idp = host.CreateClient();
        await ApiTokenClients.JwtForAsync(idp, token.Value);

        await ApiTokenClients.RevokeAsync(host.Services, owner, organizationId, token);

        // No remembered success, unlike registered clients' hashed secrets.
        using var refused = await ApiTokenClients.RequestJwtAsync(idp, token.Token.PublicId, token.Value);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task A_client_registered_with_an_API_tokens_shape_of_id_is_refused_at_start_up()
    {
        var client = new ClientOptions { ClientId = ApiTokenSecret.Generate().PublicId, GrantTypes = ["client_credentials"], ClientSecret = "secret" };

        var refused = Assert.Throws<InvalidOperationException>(() => KeyPortal.IdP.Connect.ClientRegistrations.Describe(client, new KeyPortal.Core.PublicUrlOptions()));

        Assert.Contains("reserved for API tokens", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>The answer to a well-formed token nobody ever generated: what every refusal must look like.</summary>
    private static async Task<string> ReferenceRefusalAsync(HttpClient idp, ClientAuthentication authentication)
    {
        var nobody = ApiTokenSecret.Generate();
        using var response = await ApiTokenClients.RequestJwtAsync(idp, nobody.PublicId, nobody.Value, authentication);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>A new Owner of a new organization, and a token they generated there.</summary>
    private async Task<(User Owner, Guid OrganizationId, GeneratedApiToken Token)> OwnerWithTokenAsync()
    {
        var owner = await host.Members.AddAsync(null, MemberRoles.Owner);
        Guid organizationId;
        await using (var db = host.Database.CreateContext())
        {
            organizationId = await db.Memberships.Where(m => m.UserId == owner.Id).Select(m => m.OrganizationId).SingleAsync();
        }

        return (owner, organizationId, await ApiTokenClients.GenerateTokenAsync(host.Services, owner, organizationId));
    }

    /// <summary>How many token entries and authorizations OpenIddict has stored.</summary>
    private async Task<(int Tokens, int Authorizations)> EntriesAsync()
    {
        await using var db = host.Database.CreateContext();
        return (await db.Set<OpenIddictEntityFrameworkCoreToken>().CountAsync(), await db.Set<OpenIddictEntityFrameworkCoreAuthorization>().CountAsync());
    }
}
