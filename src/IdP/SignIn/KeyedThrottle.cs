using System.Threading.RateLimiting;

namespace KeyPortal.IdP.SignIn;

/// <summary>A sliding-window limit per key (an account, a link), in this process.</summary>
public abstract class KeyedThrottle(int permits, TimeSpan window, int segments) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(
        key => RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            SegmentsPerWindow = segments,
            QueueLimit = 0,
        }));

    protected bool TryAcquireKey(string key)
    {
        using var lease = _limiter.AttemptAcquire(key);
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        _limiter.Dispose();
        GC.SuppressFinalize(this);
    }
}
