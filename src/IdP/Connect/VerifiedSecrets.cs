using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;

namespace KeyPortal.IdP.Connect;

/// <summary>
/// Client secrets this instance verified in the last minutes. Secrets are stored as PBKDF2
/// hashes, deliberately slow (milliseconds of CPU), which would otherwise cap client_credentials
/// at a few hundred tokens a second. Only successes are remembered, keyed by a SHA-256 of the
/// stored hash and the presented secret: a wrong secret always pays the full PBKDF2 cost, and
/// rotating the secret (a new stored hash) forgets it.
/// </summary>
internal sealed class VerifiedSecrets(IMemoryCache cache)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    public bool Contains(string? storedSecret, string secret) =>
        storedSecret is not null && cache.TryGetValue(KeyOf(storedSecret, secret), out _);

    public void Remember(string storedSecret, string secret) => cache.Set(KeyOf(storedSecret, secret), true, Lifetime);

    private static Key KeyOf(string storedSecret, string secret) =>
        new(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{storedSecret}\n{secret}"))));

    private sealed record Key(string Digest);
}
