using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using KeyPortal.Core.ApiTokens;
using KeyPortal.Core.Authorization;
using KeyPortal.Core.Memberships;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace KeyPortal.Portal.Tests.ApiTokens;

/// <summary>
/// The Portal's API with API tokens, as the token itself (<c>Bearer kpat_…</c>) and as a JWT the
/// IdP issued against it: the same caller either way, in the token's organization only, checked
/// live on every call; every refusal the API's 401 problem.
/// </summary>
public sealed class ApiTokenAuthenticationTests(RelyingPartyAppFactory<Program> app) : IClassFixture<RelyingPartyAppFactory<Program>>
{
    private readonly ApiTokenWorld _world = new(app);

    [Fact]
    public async Task The_token_and_a_JWT_issued_against_it_are_the_same_caller()
    {
        var (organization, owner) = await _world.OrganizationAsync();
        var token = await _world.TokenAsync(owner, organization.Id);

        var callers = new List<string>();
        foreach (var credential in Enum.GetValues<Credential>())
        {
            var presented = await _world.CredentialAsync(credential, token);
            Assert.Equal(organization.Id, await _world.OrganizationOfAsync(presented));
            using var response = await _world.CallAsync(ApiTokenWorld.CallerPath, presented);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            callers.Add(await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(callers[0], callers[1]);
        using var json = JsonDocument.Parse(callers[0]);
        Assert.Equal("member", json.RootElement.GetProperty("kind").GetString());
        Assert.Equal(owner.Id, json.RootElement.GetProperty("userId").GetGuid());
        Assert.Equal(token.Token.PublicId, json.RootElement.GetProperty("apiToken").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("clientId").ValueKind);
    }

    [Theory]
    [InlineData(Credential.Bearer)]
    [InlineData(Credential.Jwt)]
    public async Task A_token_acts_in_its_own_organization_never_in_another_one_of_the_same_user(Credential credential)
    {
        // The member joined the other organization first: without a token, that is where they would work.
        var (first, _) = await _world.OrganizationAsync();
        var member = await _world.Members.AddAsync(first.Id, MemberRoles.Admin);
        var (second, _) = await _world.OrganizationAsync();
        await _world.Members.AddAsync(second.Id, MemberRoles.Admin, email: member.Email);

        var forSecond = await _world.CredentialAsync(credential, await _world.TokenAsync(member, second.Id));
        var forFirst = await _world.CredentialAsync(credential, await _world.TokenAsync(member, first.Id));

        Assert.Equal(second.Id, await _world.OrganizationOfAsync(forSecond));
        Assert.Equal(first.Id, await _world.OrganizationOfAsync(forFirst));
    }

    [Fact]
    public async Task A_JWT_that_names_another_organization_or_user_than_its_token_is_refused()
    {
        var (organization, owner) = await _world.OrganizationAsync();
        var member = await _world.Members.AddAsync(organization.Id, MemberRoles.Admin);
        var (other, _) = await _world.OrganizationAsync();
        await _world.Members.AddAsync(other.Id, MemberRoles.Owner, email: member.Email);
        var token = await _world.TokenAsync(member, organization.Id);
        var caller = new ApiTokenCaller(token.Token.Id, token.Token.PublicId, member.Id, organization.Id);
        Assert.Equal(organization.Id, await _world.OrganizationOfAsync(app.IdentityProvider.IssueApiTokenAccessToken(caller)));

        // Signed by the IdP's key, yet not what the IdP would issue for this token.
        foreach (var forged in new[] { caller with { OrganizationId = other.Id }, caller with { UserId = owner.Id } })
        {
            await _world.AssertRefusedAsync(app.IdentityProvider.IssueApiTokenAccessToken(forged));
        }
    }

    [Fact]
    public async Task A_principal_of_a_token_whose_membership_is_gone_works_in_no_organization()
    {
        var (organization, _) = await _world.OrganizationAsync();
        var (other, _) = await _world.OrganizationAsync();
        var member = await _world.Members.AddAsync(other.Id, MemberRoles.Owner);
        var principal = TokenPrincipal(member.Id, organization.Id);

        await using var scope = app.Services.CreateAsyncScope();
        var current = scope.ServiceProvider.GetRequiredService<CurrentMember>();
        await current.LoadAsync(principal);

        // A member of another organization, but the token's is the only one it may act in.
        Assert.Null(current.Current);
        Assert.Empty(current.All);
        Assert.False(current.Allows(other.Id, Permission.ViewOrganization));

        await current.LoadAsync(TokenPrincipal(member.Id, other.Id));
        Assert.Equal(other.Id, current.Current?.Id);
        Assert.Equal([other.Id], current.All.Select(o => o.Id));
    }

    public static TheoryData<string> Flaws() =>
    [
        "not a token's shape", "unknown token", "wrong secret", "JWT signed by another key", "expired JWT",
        "JWT for the members' audience", "JWT with a user as subject", "JWT for an unknown token",
    ];

    [Theory]
    [MemberData(nameof(Flaws))]
    public async Task A_credential_the_API_must_not_trust_is_a_401_problem_with_a_Bearer_challenge(string flaw)
    {
        var (organization, owner) = await _world.OrganizationAsync();
        var token = await _world.TokenAsync(owner, organization.Id);
        var caller = new ApiTokenCaller(token.Token.Id, token.Token.PublicId, owner.Id, organization.Id);
        using var foreignKey = RSA.Create(2048);
        var issuer = app.IdentityProvider;
        var presented = flaw switch
        {
            "not a token's shape" => "kpat_" + token.Value[5..^1],
            "unknown token" => ApiTokenSecret.Generate().Value,
            "wrong secret" => $"{token.Token.PublicId}.{ApiTokenSecret.Generate().Secret}",
            "JWT signed by another key" => issuer.IssueApiTokenAccessToken(caller, signedBy: new RsaSecurityKey(foreignKey) { KeyId = "fake-idp-rs256" }),
            "expired JWT" => issuer.IssueApiTokenAccessToken(caller, lifetime: TimeSpan.FromMinutes(-2)),
            "JWT for the members' audience" => issuer.IssueApiTokenAccessToken(caller, audience: "urn:keyportal:api"),
            "JWT with a user as subject" => issuer.IssueApiTokenAccessToken(caller, subject: owner.Id.ToString()),
            _ => issuer.IssueApiTokenAccessToken(caller with { PublicId = ApiTokenSecret.Generate().PublicId }),
        };

        foreach (var path in new[] { ApiTokenWorld.OrganizationPath, ApiTokenWorld.CallerPath })
        {
            using var response = await _world.CallAsync(path, presented);
            ApiTokenWorld.AssertUnauthorized(response);
            Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(token.Token.PublicId, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The genuine token still works: nothing above touched it.
        await _world.AssertLiveAsync(token.Value, organization.Id);
    }

    [Fact]
    public async Task A_call_records_when_and_from_where_the_token_was_last_used()
    {
        var (organization, owner) = await _world.OrganizationAsync();
        var token = await _world.TokenAsync(owner, organization.Id);
        Assert.Null((await ApiTokenClients.FindAsync(app.Services, organization.Id, token))!.LastUsedAt);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var context = await app.Server.SendAsync(http =>
        {
            http.Request.Method = "GET";
            http.Request.Path = ApiTokenWorld.CallerPath.OriginalString;
            http.Request.Headers.Authorization = $"Bearer {token.Value}";
            http.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.57");
        });

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        var listed = (await ApiTokenClients.FindAsync(app.Services, organization.Id, token))!;
        Assert.Equal("203.0.113.57", listed.LastUsedFrom);
        Assert.InRange(listed.LastUsedAt!.Value, before, DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Issuing_a_JWT_counts_as_a_use_of_the_token()
    {
        var (organization, owner) = await _world.OrganizationAsync();
        var token = await _world.TokenAsync(owner, organization.Id);

        await _world.CredentialAsync(Credential.Jwt, token);

        Assert.NotNull((await ApiTokenClients.FindAsync(app.Services, organization.Id, token))!.LastUsedAt);
    }

    /// <summary>The principal the API builds for a token's caller, as both handlers build it.</summary>
    private static ClaimsPrincipal TokenPrincipal(Guid userId, Guid organizationId) =>
        KeyPortal.Hosting.ApiTokenAuthentication.PrincipalOf(
            new ApiTokenCaller(Guid.NewGuid(), ApiTokenSecret.Generate().PublicId, userId, organizationId), "test");
}
