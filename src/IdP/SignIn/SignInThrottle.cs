using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.SignIn;

/// <summary>
/// Per-account limit on sign-in attempts (the per-address limit is the "signin" rate-limiter
/// policy). Keyed by the normalized email whether or not an account exists, so it reveals nothing.
/// </summary>
public sealed class SignInThrottle(IOptions<IdentityProviderOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(
        account => RateLimitPartition.GetSlidingWindowLimiter(account, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = options.Value.SignInAttemptsPerAccountPer5Minutes,
            Window = TimeSpan.FromMinutes(5),
            SegmentsPerWindow = 5,
            QueueLimit = 0,
        }));

    public bool TryAcquire(string normalizedEmail)
    {
        using var lease = _limiter.AttemptAcquire(normalizedEmail);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
