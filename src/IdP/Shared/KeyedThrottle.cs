using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;

namespace KeyPortal.IdP.Shared;

/// <summary>A sliding-window limit per key (an account, a link, an address), in this process.</summary>
public sealed class KeyedThrottle(int permits, TimeSpan window, int segments) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(
        key => RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            SegmentsPerWindow = segments,
            QueueLimit = 0,
        }));

    /// <summary>Takes one permit of <paramref name="key"/>'s window; false when none is left.</summary>
    public bool TryAcquire(string key)
    {
        using var lease = _limiter.AttemptAcquire(key);
        return lease.IsAcquired;
    }

    /// <summary>The key for a secret (an emailed link's token): a hash, so the throttle never holds the secret itself.</summary>
    public static string KeyOfSecret(string? secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret ?? "")));

    public void Dispose() => _limiter.Dispose();
}
