using KeyPortal.Core.Sessions;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace KeyPortal.IdP.Connect;

internal static class ServerSetup
{
    /// <summary>Scopes the provider knows; <see cref="ApiResource"/> is the audience of access tokens.</summary>
    public const string ApiScope = "api";

    /// <summary>
    /// The console's management API (<c>/api/v1</c> of Admin) for platform operators' tools. In the
    /// code flow it is granted only to a signed-in platform operator (any other user's token simply
    /// lacks it); by client credentials, only to clients configured with it (console automation).
    /// Its tokens are for <see cref="ApiResource"/> like the <c>api</c> scope's.
    /// </summary>
    public const string OperatorScope = "operator";

    /// <summary>RFC 9068 <c>aud</c> of access tokens: the portal's API (RFC 8707 resources are absolute URIs).</summary>
    public const string ApiResource = "urn:keyportal:api";

    /// <summary>The scope of access tokens issued against API tokens (<see cref="ApiTokenClientCredentials"/>).</summary>
    public const string DeliveryScope = ApiTokenClientCredentials.DeliveryScope;

    /// <summary>Their audience: the delivery API of the apps that admit API tokens.</summary>
    public const string DeliveryResource = ApiTokenClientCredentials.DeliveryResource;

    /// <summary>
    /// The audience of an access token with <paramref name="scopes"/>: the portal's API when the
    /// API or operator scope is granted, else the IdP itself (userinfo).
    /// </summary>
    public static string AudienceOf(IEnumerable<string> scopes, Uri issuer) =>
        scopes.Any(scope => scope is ApiScope or OperatorScope) ? ApiResource : issuer.AbsoluteUri;

    /// <summary>
    /// OpenIddict as an OpenID Connect provider: code flow with mandatory PKCE (S256 only),
    /// refresh tokens rotated with reuse detection, client credentials, introspection,
    /// revocation, end-session; signed, unencrypted JWT access tokens (RFC 9068). API tokens are
    /// clients of the token endpoint too, without a row each (<see cref="ApiTokenClientCredentials"/>).
    /// </summary>
    public static WebApplicationBuilder AddIdentityProviderServer(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(IdentityProviderOptions.SectionName).Get<IdentityProviderOptions>() ?? new();
        var contentRoot = builder.Environment.ContentRootPath;
        var isDevelopment = builder.Environment.IsDevelopment();
        var signingKeys = SigningKeys.LoadSigningKeys(options.Signing, contentRoot, isDevelopment);
        var encryption = SigningKeys.LoadEncryptionCertificate(options.Signing, contentRoot, isDevelopment);
        var issuer = builder.Configuration.GetSection("PublicUrls").GetValue<Uri>("IdP") ?? new Uri("http://localhost:5000/");

        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<ApplicationSnapshots>();
        builder.Services.AddSingleton<VerifiedSecrets>();
        builder.Services.AddSingleton<ClientCredentialsShortcut>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<ApiTokenClientCredentials>();
        builder.Services.AddOpenIddict()
            .AddCore(core => core
                .ReplaceApplicationManager(typeof(CachingApplicationManager<>))
                .ReplaceApplicationStore<OpenIddictEntityFrameworkCoreApplication, SharedApplicationStore>())
            .AddServer(server =>
            {
                server.SetIssuer(issuer);
                server.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetUserInfoEndpointUris("connect/userinfo")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetEndSessionEndpointUris("connect/endsession");

                server.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow().AllowClientCredentialsFlow();

                // RFC 9700 §2.1.1: PKCE for every client, and only S256 ("plain" reveals the verifier).
                server.RequireProofKeyForCodeExchange();
                server.Configure(o => o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));

                // No consent screen (first-party clients, implicit consent) and no account
                // chooser (one session per browser): not advertised, and refused when asked for.
                server.Configure(o =>
                {
                    o.PromptValues.Remove(PromptValues.Consent);
                    o.PromptValues.Remove(PromptValues.SelectAccount);
                });

                server.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.Profile, Scopes.OfflineAccess, ApiScope, OperatorScope, DeliveryScope);
                server.RegisterResources(ApiResource, DeliveryResource);
                server.RegisterClaims(Claims.Subject, Claims.Email, Claims.Name, Claims.AuthenticationMethodReference, KeyPortalClaims.SessionId);

                server.SetAccessTokenLifetime(options.AccessTokenLifetime);
                server.AddEventHandler(ApiTokenClientCredentials.WithoutTokenEntry.Descriptor);
                server.AddEventHandler(ClientTokenLiveness.Descriptor);

                // RFC 9700 §4.14.2: refresh tokens rotate; a redeemed one presented again (after a
                // short leeway for concurrent requests) revokes every token of the grant.
                server.SetRefreshTokenReuseLeeway(options.RefreshTokenReuseLeeway > TimeSpan.Zero ? options.RefreshTokenReuseLeeway : null);

                foreach (var key in signingKeys)
                {
                    server.AddSigningKey(key);
                }

                server.AddEncryptionCertificate(encryption);

                // Resource servers validate access tokens by signature (JWKS), so they are signed, not encrypted.
                server.DisableAccessTokenEncryption();

                var aspNetCore = server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    // Invalid requests (bad redirect_uri, missing PKCE, unknown client) reach our
                    // handlers, which show them on an IdP page instead of redirecting anywhere.
                    .EnableErrorPassthrough();
                if (isDevelopment)
                {
                    // Plain http only for development on localhost; production requires HTTPS.
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            .AddValidation(validation =>
            {
                // Order matters: UseLocalServer resets token entry validation.
                validation.UseLocalServer();
                validation.EnableTokenEntryValidation();
                validation.EnableAuthorizationEntryValidation();
                validation.UseAspNetCore();
            });

        builder.Services.AddOptions<IdentityProviderOptions>()
            .BindConfiguration(IdentityProviderOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHostedService<ClientRegistrations>();
        return builder;
    }
}
