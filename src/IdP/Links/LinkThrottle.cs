using System.Security.Cryptography;
using System.Text;
using KeyPortal.IdP.SignIn;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Links;

/// <summary>
/// Limits on the emailed-link pages that let a whole office onboard from one shared address:
/// each link has its own budget (<see cref="IdentityProviderOptions.LinkRequestsPerLinkPerMinute"/>),
/// and an address is cut off only after <see cref="IdentityProviderOptions.RefusedLinksPerAddressPerMinute"/>
/// refused links (guessing), which real people following their own links never produce. The
/// plain per-address limit (rate-limiter policy <c>links</c>) sits far above a company's traffic.
/// </summary>
public sealed class LinkThrottle(IOptions<IdentityProviderOptions> options) : IDisposable
{
    private readonly PerLink _perLink = new(options.Value.LinkRequestsPerLinkPerMinute);
    private readonly RefusalsPerAddress _refusals = new(options.Value.RefusedLinksPerAddressPerMinute);

    /// <summary>
    /// Takes one request of this link's budget; false once the link is over it. A guesser at the
    /// same address does not stop the live links of everybody else there: refusals are counted
    /// (and cut off) only when a link is refused.
    /// </summary>
    public bool TryAcquire(string token) => _perLink.TryAcquire(token);

    /// <summary>Counts a refused link against the address; false when it is over its limit (the refusal is then not audited).</summary>
    public bool TryRecordRefusal(string? address) => _refusals.TryAcquire(address);

    public void Dispose()
    {
        _perLink.Dispose();
        _refusals.Dispose();
    }

    private sealed class PerLink(int permits) : KeyedThrottle(permits, TimeSpan.FromMinutes(1), segments: 6)
    {
        // Keyed by a hash: the throttle never holds a live link.
        public bool TryAcquire(string token) => TryAcquireKey(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token ?? ""))));
    }

    private sealed class RefusalsPerAddress(int permits) : KeyedThrottle(permits, TimeSpan.FromMinutes(1), segments: 6)
    {
        public bool TryAcquire(string? address) => TryAcquireKey(address ?? "unknown");
    }
}
