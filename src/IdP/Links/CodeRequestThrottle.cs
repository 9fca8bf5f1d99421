using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Links;

/// <summary>
/// How many one-time codes one emailed link may request per hour, so a link cannot be used to
/// flood its owner's mailbox. Keyed by a hash of the link, never the link itself. Guessing is
/// bounded separately and exactly by the invitation's tries and lock.
/// </summary>
public sealed class CodeRequestThrottle(IOptions<IdentityProviderOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(
        link => RateLimitPartition.GetSlidingWindowLimiter(link, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = options.Value.CodeRequestsPerLinkPerHour,
            Window = TimeSpan.FromHours(1),
            SegmentsPerWindow = 6,
            QueueLimit = 0,
        }));

    public bool TryAcquire(string token)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token ?? "")));
        using var lease = _limiter.AttemptAcquire(key);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
