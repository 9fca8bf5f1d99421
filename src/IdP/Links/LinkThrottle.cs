using KeyPortal.IdP.Shared;
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
    private readonly KeyedThrottle _perLink = new(options.Value.LinkRequestsPerLinkPerMinute, TimeSpan.FromMinutes(1), segments: 6);
    private readonly KeyedThrottle _refusals = new(options.Value.RefusedLinksPerAddressPerMinute, TimeSpan.FromMinutes(1), segments: 6);

    /// <summary>
    /// Takes one request of this link's budget; false once the link is over it. A guesser at the
    /// same address does not stop the live links of everybody else there: refusals are counted
    /// (and cut off) only when a link is refused.
    /// </summary>
    public bool TryAcquire(string token) => _perLink.TryAcquire(KeyedThrottle.KeyOfSecret(token));

    /// <summary>Counts a refused link against the address; false when it is over its limit (the refusal is then not audited).</summary>
    public bool TryRecordRefusal(string? address) => _refusals.TryAcquire(address ?? "unknown");

    public void Dispose()
    {
        _perLink.Dispose();
        _refusals.Dispose();
    }
}
