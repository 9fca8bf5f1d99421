using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using KeyPortal.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using Xunit;

namespace KeyPortal.TestSupport.RelyingParty;

/// <summary>
/// The app's APIs (<c>/api/*</c>): bearer access tokens of the IdP only, with a live token entry;
/// problem JSON for every refusal, never a redirect to the IdP, never the browser's cookie.
/// </summary>
public abstract partial class RelyingPartyTests<TProgram>
{
    private static readonly Uri CallerPath = new("/api/me", UriKind.Relative);

    [Fact]
    public async Task An_API_call_without_a_token_is_a_401_problem_not_a_redirect_to_the_IdP()
    {
        using var client = Factory.CreateBrowser();

        using var response = await client.GetAsync(CallerPath);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task The_session_cookie_does_not_authenticate_an_API_call()
    {
        var user = await CreateAdmittedUserAsync();
        var session = await Users.StartSessionAsync(user);
        using var browser = Factory.CreateBrowser();
        using (var signedIn = await Factory.SignInAsync(browser, SignedInUsers.ClaimsOf(user, session)))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        }

        using var home = await browser.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        using var api = await browser.GetAsync(CallerPath);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task A_live_access_token_names_the_member_who_calls_and_stops_at_once_when_revoked()
    {
        var (user, token, entry, _) = await MemberTokenAsync();

        using (var response = await CallAsync(CallerPath, token))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(ApiCaller.MemberKind, json.RootElement.GetProperty("kind").GetString());
            Assert.Equal(user.Id, json.RootElement.GetProperty("userId").GetGuid());
        }

        await RevokeTokenEntryAsync(entry);
        using var revoked = await CallAsync(CallerPath, token);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal("application/problem+json", revoked.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_members_token_stops_when_the_session_it_was_issued_in_ends()
    {
        var (_, token, _, session) = await MemberTokenAsync();
        using (var live = await CallAsync(CallerPath, token))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        await Users.EndSessionAsync(session);

        using var ended = await CallAsync(CallerPath, token);
        Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
    }

    [Fact]
    public async Task A_token_of_someone_this_app_does_not_admit_is_refused()
    {
        var user = await CreateRefusedUserAsync();
        var session = await Users.StartSessionAsync(user);
        var token = Factory.IdentityProvider.IssueAccessToken(user.Id.ToString(), await CreateTokenEntryAsync(user.Id.ToString()), session.Id);

        using var response = await CallAsync(CallerPath, token);

        // The token and its session are live: the caller is known, and refused everything.
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(ApiAuthentication.NotAdmittedCode, problem.RootElement.GetProperty("code").GetString());
    }

    /// <summary>Whether this app's API takes a client's own token (the Portal's delivery API does; the console's does not).</summary>
    protected virtual bool ApiAdmitsClients => false;

    [Fact]
    public async Task A_client_credentials_token_names_the_client_not_a_user_and_only_an_app_that_takes_clients_accepts_it()
    {
        // A client id shaped like a user id: the token is still the client's, never a user's.
        var clientId = Guid.NewGuid().ToString();
        var entry = await CreateTokenEntryAsync(clientId);
        using var response = await CallAsync(CallerPath, Factory.IdentityProvider.IssueAccessToken(clientId, entry));

        if (!ApiAdmitsClients)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            return;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(ApiCaller.ClientKind, json.RootElement.GetProperty("kind").GetString());
        Assert.Equal(clientId, json.RootElement.GetProperty("clientId").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("userId").ValueKind);
    }

    [Fact]
    public async Task A_clients_own_token_holds_while_its_client_keeps_its_secret_and_ends_when_it_changes_or_goes()
    {
        var clientId = $"machine-{Guid.NewGuid():N}";
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var descriptor = new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientSecret = "first-secret",
                ClientType = OpenIddictConstants.ClientTypes.Confidential,
                Permissions = { OpenIddictConstants.Permissions.Endpoints.Token, OpenIddictConstants.Permissions.GrantTypes.ClientCredentials },
            };
            await applications.CreateAsync(descriptor);
        }

        var token = Factory.IdentityProvider.IssueClientAccessToken(clientId, await SecretVersionAsync(clientId));
        using (var response = await CallAsync(CallerPath, token))
        {
            Assert.Equal(ApiAdmitsClients ? HttpStatusCode.OK : HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // A scope the client is not (or no longer) allowed ends the token that carries it.
        using (var response = await CallAsync(CallerPath, Factory.IdentityProvider.IssueClientAccessToken(clientId, await SecretVersionAsync(clientId), scope: "api")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // Without a secret version, or with another one, a token without an entry is nobody's.
        using (var response = await CallAsync(CallerPath, Factory.IdentityProvider.IssueClientAccessToken(clientId, secretVersion: null)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var response = await CallAsync(CallerPath, Factory.IdentityProvider.IssueClientAccessToken(clientId, ClientTokens.SecretVersionOf("another hash"))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // A member's token never goes without its entry, whatever it says.
        var (user, _, _, session) = await MemberTokenAsync();
        using (var response = await CallAsync(CallerPath, Factory.IdentityProvider.IssueAccessToken(user.Id.ToString(), tokenId: null, session.Id)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var client = await applications.FindByClientIdAsync(clientId) ?? throw new InvalidOperationException("No client.");
            var descriptor = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(descriptor, client);
            descriptor.ClientSecret = "rotated-secret";
            await applications.UpdateAsync(client, descriptor);
        }

        using (var response = await CallAsync(CallerPath, token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var rotated = Factory.IdentityProvider.IssueClientAccessToken(clientId, await SecretVersionAsync(clientId));
        using (var response = await CallAsync(CallerPath, rotated))
        {
            Assert.Equal(ApiAdmitsClients ? HttpStatusCode.OK : HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            await applications.DeleteAsync(await applications.FindByClientIdAsync(clientId) ?? throw new InvalidOperationException("No client."));
        }

        using (var response = await CallAsync(CallerPath, rotated))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    private async Task<string> SecretVersionAsync(string clientId)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var client = await applications.FindByClientIdAsync(clientId) as OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication
            ?? throw new InvalidOperationException("No client.");
        return ClientTokens.SecretVersionOf(client);
    }

    [Fact]
    public async Task A_members_token_without_its_session_or_with_another_users_session_is_refused()
    {
        var (user, _, entry, _) = await MemberTokenAsync();
        var other = await CreateAdmittedUserAsync();
        var othersSession = await Users.StartSessionAsync(other);

        // Without a session: a token of the user's that names no sid (its client is not the subject).
        var withoutSession = Factory.IdentityProvider.IssueAccessToken(user.Id.ToString(), entry, sessionId: Guid.Empty);
        using (var response = await CallAsync(CallerPath, withoutSession))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var borrowed = await CallAsync(CallerPath, Factory.IdentityProvider.IssueAccessToken(user.Id.ToString(), entry, othersSession.Id));
        Assert.Equal(HttpStatusCode.Unauthorized, borrowed.StatusCode);
    }

    [Theory]
    [InlineData("another audience")]
    [InlineData("another key")]
    [InlineData("no token entry")]
    [InlineData("expired")]
    public async Task A_token_the_API_must_not_trust_is_refused(string flaw)
    {
        var (user, _, entry, session) = await MemberTokenAsync();
        using var foreignKey = RSA.Create(2048);
        var token = flaw switch
        {
            "another audience" => Factory.IdentityProvider.IssueAccessToken(user.Id.ToString(), entry, session.Id, audience: "http://localhost:5000/"),
            "another key" => Factory.IdentityProvider.IssueAccessToken(user.Id.ToString(), entry, session.Id, signedBy: new RsaSecurityKey(foreignKey) { KeyId = "fake-idp-rs256" }),
            "no token entry" => Factory.IdentityProvider.IssueAccessToken(user.Id.ToString(), Guid.NewGuid().ToString(), session.Id),
            _ => Factory.IdentityProvider.IssueAccessToken(user.Id.ToString(), entry, session.Id, lifetime: TimeSpan.FromMinutes(-6)),
        };

        using var response = await CallAsync(CallerPath, token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>An admitted member with a live IdP session, and an access token issued in it.</summary>
    protected async Task<(KeyPortal.Core.Users.User User, string Token, string TokenId, KeyPortal.Core.Sessions.UserSession Session)> MemberTokenAsync()
    {
        var user = await CreateAdmittedUserAsync();
        var session = await Users.StartSessionAsync(user);
        var entry = await CreateTokenEntryAsync(user.Id.ToString());
        return (user, Factory.IdentityProvider.IssueAccessToken(user.Id.ToString(), entry, session.Id), entry, session);
    }

    /// <summary>Calls <paramref name="path"/> with <paramref name="token"/> as bearer, without cookies.</summary>
    protected async Task<HttpResponseMessage> CallAsync(Uri path, string token)
    {
        using var client = Factory.CreateBrowser();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    /// <summary>The token entry the IdP writes when it issues an access token; its id goes into the token.</summary>
    protected async Task<string> CreateTokenEntryAsync(string subject)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var entry = await tokens.CreateAsync(new OpenIddictTokenDescriptor
        {
            Subject = subject,
            Status = OpenIddictConstants.Statuses.Valid,
            Type = OpenIddictConstants.TokenTypeHints.AccessToken,
            CreationDate = DateTimeOffset.UtcNow,
            ExpirationDate = DateTimeOffset.UtcNow.AddMinutes(5),
        });
        return (await tokens.GetIdAsync(entry))!;
    }

    private async Task RevokeTokenEntryAsync(string id)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        Assert.True(await tokens.TryRevokeAsync((await tokens.FindByIdAsync(id))!));
    }
}
