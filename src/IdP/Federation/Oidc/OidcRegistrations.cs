using System.Globalization;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.SingleSignOn;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using OpenIddict.Abstractions;
using OpenIddict.Client;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace KeyPortal.IdP.Federation.Oidc;

/// <summary>
/// The OpenIddict client registration of each organization's OpenID Connect provider, made from
/// its <see cref="SsoConnection"/> when a sign-in asks for it. Its id names the organization and
/// the connection's <see cref="SsoConnection.Version"/> (<c>sso:{organization}:{version}</c>):
/// every resolution reads the connection's current version, so once an Owner changes the
/// configuration, on any instance, a sign-in started under the old one no longer resolves its
/// registration and is refused, and no instance keeps using an old issuer or secret. Nothing
/// needs reloading or signalling between instances: a changed connection is a new id.
/// </summary>
/// <remarks>
/// OpenIddict's registrations are static options; its maintainer's advice for registrations that
/// change at runtime is a derived <see cref="OpenIddictClientService"/> returning them on the fly
/// (openiddict/openiddict-core#2192). The registration objects are kept in memory only so that
/// their configuration manager (discovery document and JWKS, refreshed by OpenIddict) is reused.
/// </remarks>
public sealed class OidcRegistrations(
    IServiceProvider provider, IServiceScopeFactory scopes, IMemoryCache cache, IOptionsMonitor<SsoOptions> options) : OpenIddictClientService(provider)
{
    private const string Prefix = "sso:";

    /// <summary>How long an unused registration (and its cached discovery document) stays in memory.</summary>
    private static readonly TimeSpan Unused = TimeSpan.FromHours(1);

    public static string IdOf(SsoConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}{connection.OrganizationId:N}:{connection.Version}");
    }

    /// <summary>The organization and connection version an id names; false for any other registration.</summary>
    public static bool TryParse(string? id, out Guid organizationId, out long version)
    {
        organizationId = Guid.Empty;
        version = 0;
        var parts = id?.Split(':');
        return parts is [var prefix, var organization, var number] && prefix + ":" == Prefix
            && Guid.TryParseExact(organization, "N", out organizationId)
            && long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out version);
    }

    public override async ValueTask<OpenIddictClientRegistration> GetClientRegistrationByIdAsync(string identifier, CancellationToken cancellationToken = default)
    {
        if (!TryParse(identifier, out var organizationId, out var version))
        {
            return await base.GetClientRegistrationByIdAsync(identifier, cancellationToken);
        }

        SsoConnection? connection;
        await using (var scope = scopes.CreateAsyncScope())
        {
            connection = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Set<SsoConnection>().AsNoTracking()
                .SingleOrDefaultAsync(c => c.OrganizationId == organizationId, cancellationToken);
            if (connection is not { Protocol: SsoProtocol.OpenIdConnect, IsComplete: true } || connection.Version != version)
            {
                throw new OidcRegistrationUnavailableException(organizationId, "connection_changed");
            }

            if (!IsAllowedIssuer(connection.OidcIssuer!, options.CurrentValue))
            {
                throw new OidcRegistrationUnavailableException(organizationId, "issuer_not_https");
            }

            var secret = scope.ServiceProvider.GetRequiredService<SsoSecrets>().Unprotect(connection.OidcClientSecretProtected)
                ?? throw new OidcRegistrationUnavailableException(organizationId, "client_secret_unreadable");
            return await cache.GetOrCreateAsync((typeof(OidcRegistrations), identifier), entry =>
            {
                entry.SlidingExpiration = Unused;
                return Task.FromResult(Create(identifier, connection, secret));
            }) ?? throw new InvalidOperationException("The registration could not be made.");
        }
    }

    /// <summary>An issuer over TLS, or plain http where the installation allows it (development, test peers).</summary>
    public static bool IsAllowedIssuer(string issuer, SsoOptions options) =>
        Uri.TryCreate(issuer, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && options.AllowHttp));

    private OpenIddictClientRegistration Create(string identifier, SsoConnection connection, string secret)
    {
        var issuer = new Uri(connection.OidcIssuer!, UriKind.Absolute);
        var registration = new OpenIddictClientRegistration
        {
            RegistrationId = identifier,
            Issuer = issuer,
            ClientId = connection.OidcClientId,
            ClientSecret = secret,
            RedirectUri = new Uri(OidcFederation.CallbackPath.TrimStart('/'), UriKind.Relative),
            // OpenID Connect Discovery 1.0 §4: the issuer with /.well-known/openid-configuration appended.
            ConfigurationEndpoint = new Uri(issuer.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration", UriKind.Absolute),
        };
        registration.Scopes.UnionWith([Scopes.OpenId, Scopes.Email, Scopes.Profile]);
        registration.GrantTypes.Add(GrantTypes.AuthorizationCode);
        registration.ResponseTypes.Add(ResponseTypes.Code);
        // RFC 9700 §2.1.1: PKCE with S256 only, whatever the provider also offers.
        registration.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
        // Lifetimes (exp, iat) of the id_token are checked with the organization's own allowance.
        registration.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(connection.ClockSkewSeconds);

        // What OpenIddict does for a static registration at start-up: the discovery document and
        // its JWKS, fetched through the client's own HTTP integration and refreshed periodically
        // (and at once when a token names a key the cached JWKS lacks: a provider's key rollover).
        registration.ConfigurationManager = new ConfigurationManager<OpenIddictConfiguration>(
            registration.ConfigurationEndpoint.AbsoluteUri, new OpenIddictClientRetriever(this, registration))
        {
            AutomaticRefreshInterval = ConfigurationManager<OpenIddictConfiguration>.DefaultAutomaticRefreshInterval,
            RefreshInterval = ConfigurationManager<OpenIddictConfiguration>.DefaultRefreshInterval,
        };
        return registration;
    }
}

/// <summary>The registration a sign-in names cannot be used (the connection changed, or is unusable now).</summary>
public sealed class OidcRegistrationUnavailableException(Guid organizationId, string reasonCode)
    : InvalidOperationException($"The single sign-on registration of organization {organizationId} is not available: {reasonCode}.")
{
    public Guid OrganizationId { get; } = organizationId;

    public string ReasonCode { get; } = reasonCode;
}
