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
/// </summary>
internal sealed class CachingApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache,
    ILogger<OpenIddictApplicationManager<TApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<TApplication> store,
    IMemoryCache verified)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store)
    where TApplication : class
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

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
