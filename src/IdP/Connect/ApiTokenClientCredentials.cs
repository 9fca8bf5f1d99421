using System.Security.Claims;
using System.Text.Json;
using KeyPortal.Core.ApiTokens;
using KeyPortal.Core.Sessions;
using KeyPortal.Hosting;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace KeyPortal.IdP.Connect;

/// <summary>
/// API tokens as OAuth clients of the token endpoint (RFC 6749 §4.4, client credentials): the
/// token's public id is the <c>client_id</c>, the whole token the <c>client_secret</c> (in the
/// form or by HTTP Basic). What comes back is a short-lived JWT access token for
/// <see cref="ApiAuthentication.DeliveryAudience"/> naming the token, its user and organization.
/// <list type="bullet">
/// <item>No application row per token: <see cref="SharedApplicationStore"/> answers every id that
/// has a public id's shape with <see cref="ApplicationFor"/>, a confidential client allowed the
/// token endpoint, client credentials and the <see cref="DeliveryScope"/> only.</item>
/// <item>The secret is checked by <see cref="ApiTokenService.VerifyClientAsync"/> (SHA-256,
/// constant time, live member), never by OpenIddict's hashed-secret path nor its cache of
/// successes, so a revoked token is refused on its next request; unknown, wrong, revoked,
/// expired and dead tokens all get the same <c>invalid_client</c>.</item>
/// <item>No token entry is written for these access tokens (<see cref="WithoutTokenEntry"/>): a
/// client may ask for one every few minutes, and an entry would say nothing the API token's own
/// row does not. The resource server re-checks the API token on every call instead
/// (<see cref="ApiTokenAuthentication"/>), so revocation reaches the JWT on its next call.</item>
/// </list>
/// </summary>
internal sealed class ApiTokenClientCredentials(ApiTokenService tokens, IHttpContextAccessor http)
{
    /// <summary>The scope of access tokens issued against API tokens (the one they get when they ask for none).</summary>
    public const string DeliveryScope = "delivery";

    /// <summary>RFC 9068 <c>aud</c> of those access tokens.</summary>
    public const string DeliveryResource = ApiAuthentication.DeliveryAudience;

    private static readonly string ApplicationPermissions = JsonSerializer.Serialize(new[]
    {
        OpenIddictConstants.Permissions.Endpoints.Token,
        OpenIddictConstants.Permissions.GrantTypes.ClientCredentials,
        OpenIddictConstants.Permissions.Prefixes.Scope + DeliveryScope,
        OpenIddictConstants.Permissions.Prefixes.Resource + DeliveryResource,
    });

    /// <summary>True for a client id that names an API token (and so never a registered client).</summary>
    public static bool IsApiTokenClient(string? clientId) => ApiTokenSecret.IsPublicId(clientId);

    /// <summary>
    /// The client application OpenIddict sees for an API token's public id, whether or not such a
    /// token exists: the secret check decides, so an unknown id is refused exactly like a wrong
    /// secret. It carries no secret of its own and is stored nowhere.
    /// </summary>
    public static OpenIddictEntityFrameworkCoreApplication ApplicationFor(string publicId) => new()
    {
        ClientId = publicId,
        ClientType = ClientTypes.Confidential,
        ConsentType = ConsentTypes.Implicit,
        DisplayName = $"API token {publicId}",
        Permissions = ApplicationPermissions,
    };

    /// <summary>The secret check of an API token client: the token itself, live, from the address asking.</summary>
    public async Task<bool> VerifyAsync(string clientId, string clientSecret, CancellationToken cancellationToken) =>
        await tokens.VerifyClientAsync(clientId, clientSecret, ClientAddress, cancellationToken) is not null;

    /// <summary>
    /// Whom the token acts for, read live as the access token is issued (OpenIddict has just
    /// authenticated the client with the token's secret): null when it stopped holding since.
    /// </summary>
    public Task<ApiTokenCaller?> FindCallerAsync(string publicId, CancellationToken cancellationToken) =>
        tokens.FindLiveAsync(publicId, ClientAddress, cancellationToken);

    /// <summary>
    /// The access token's claims: RFC 9068 §2.2 names the client acting for itself (the API
    /// token) as <c>sub</c>; the user and organization it acts for travel beside it, for the
    /// resource server to compare with the live token.
    /// </summary>
    public static ClaimsIdentity CreateIdentity(ApiTokenCaller caller, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, caller.PublicId);
        identity.SetClaim(KeyPortalClaims.ApiToken, caller.PublicId);
        identity.SetClaim(KeyPortalClaims.ApiTokenUser, caller.UserId.ToString());
        identity.SetClaim(KeyPortalClaims.Organization, caller.OrganizationId.ToString());
        identity.SetScopes(DeliveryScope);
        identity.SetResources(DeliveryResource);
        identity.SetAccessTokenLifetime(lifetime);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        return identity;
    }

    private string? ClientAddress => http.HttpContext?.Connection.RemoteIpAddress?.ToString();

    /// <summary>
    /// Runs before OpenIddict's own <c>CreateTokenEntry</c>: an access token of the client
    /// credentials grant (an API token client's, or a registered client's own) gets no token entry
    /// (OpenIddict 7's per-token <see cref="OpenIddictServerEvents.GenerateTokenContext.CreateTokenEntry"/>).
    /// API tokens are checked live by the apps, a client's own token by its registration and secret
    /// (<see cref="ClientTokens"/>). Members' access and refresh tokens and codes keep their entries,
    /// so revoking them works as before. Identity tokens get none.
    /// </summary>
    public sealed class WithoutTokenEntry : IOpenIddictServerHandler<OpenIddictServerEvents.GenerateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<OpenIddictServerEvents.GenerateTokenContext>()
                .UseSingletonHandler<WithoutTokenEntry>()
                .SetOrder(OpenIddictServerHandlers.Protection.CreateTokenEntry.Descriptor.Order - 500)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(OpenIddictServerEvents.GenerateTokenContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            // OpenIddict 7 names token types by their RFC 8693 identifiers here.
            if (context.TokenType == TokenTypeIdentifiers.AccessToken
                && (IsApiTokenClient(context.ClientId) || context.Request?.IsClientCredentialsGrantType() == true))
            {
                context.CreateTokenEntry = false;
            }

            // An identity token tells its client who signed in; it is never a credential here, so
            // nothing looks it up by an entry (an id_token_hint is checked by its signature,
            // issuer, audience and authorization). Two writes fewer per sign-in.
            if (context.TokenType == TokenTypeIdentifiers.IdentityToken)
            {
                context.CreateTokenEntry = false;
            }

            return default;
        }
    }
}
