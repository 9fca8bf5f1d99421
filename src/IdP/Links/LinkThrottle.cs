using KeyPortal.Core.Throttling;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Links;

/// <summary>
/// Limits on the emailed-link pages that let a whole office onboard from one shared address:
/// each link has its own budget (<see cref="IdentityProviderOptions.LinkRequestsPerLinkPerMinute"/>),
/// and an address is cut off only after <see cref="IdentityProviderOptions.RefusedLinksPerAddressPerMinute"/>
/// refused links (guessing), which real people following their own links never produce. The
/// plain per-address limit (rate-limiter policy <c>links</c>) sits far above a company's traffic.
/// Counted in the database (<see cref="SharedThrottle"/>, keyed by a hash: never the link itself),
/// so the limits hold for all IdP instances together.
/// </summary>
public sealed class LinkThrottle(SharedThrottle throttle, IOptions<IdentityProviderOptions> options)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Takes one request of this link's budget; false once the link is over it. A guesser at the
    /// same address does not stop the live links of everybody else there: refusals are counted
    /// (and cut off) only when a link is refused.
    /// </summary>
    public Task<bool> TryAcquireAsync(string token, CancellationToken cancellationToken) =>
        throttle.TryAcquireAsync("link", token, options.Value.LinkRequestsPerLinkPerMinute, Window, slices: 6, cancellationToken);

    /// <summary>Counts a refused link against the address; false when it is over its limit (the refusal is then not audited).</summary>
    public Task<bool> TryRecordRefusalAsync(string? address, CancellationToken cancellationToken) =>
        throttle.TryAcquireAsync("link-refusal", address ?? "unknown", options.Value.RefusedLinksPerAddressPerMinute, Window, slices: 6, cancellationToken);
}
