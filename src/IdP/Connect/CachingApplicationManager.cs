using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace KeyPortal.IdP.Connect;

/// <summary>
/// OpenIddict's application manager, remembering for a few minutes that a client secret was
/// verified. Secrets are stored as PBKDF2 hashes, deliberately slow (milliseconds of CPU), which
/// would otherwise cap client_credentials at a few hundred tokens a second. Only successes are
/// remembered, keyed by a SHA-256 of the stored hash and the presented secret: a wrong secret
/// always pays the full PBKDF2 cost, and rotating the secret (a new stored hash) forgets it.
/// API token clients are checked by <see cref="ApiTokenClientCredentials"/> on every request and
/// never remembered: a revoked token must fail on its very next request.
/// </summary>
internal sealed class CachingApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache,
    ILogger<OpenIddictApplicationManager<TApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<TApplication> store,
    IMemoryCache verified,
    ApiTokenClientCredentials apiTokens)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store)
    where TApplication : class
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    public override async ValueTask<bool> ValidateClientSecretAsync(TApplication application, string secret, CancellationToken cancellationToken = default)
    {
        if (await GetClientIdAsync(application, cancellationToken) is { } clientId && ApiTokenClientCredentials.IsApiTokenClient(clientId))
        {
            return await apiTokens.VerifyAsync(clientId, secret, cancellationToken);
        }

        return await base.ValidateClientSecretAsync(application, secret, cancellationToken);
    }

    protected override async ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default)
    {
        var key = new VerifiedSecret(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{comparand}\n{secret}"))));
        if (verified.TryGetValue(key, out _))
        {
            return true;
        }

        var valid = await base.ValidateClientSecretAsync(secret, comparand, cancellationToken);
        if (valid)
        {
            verified.Set(key, true, Lifetime);
        }

        return valid;
    }

    private sealed record VerifiedSecret(string Digest);
}
