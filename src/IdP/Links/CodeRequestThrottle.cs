using KeyPortal.Core.Throttling;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Links;

/// <summary>
/// How many one-time codes one emailed link may request per hour, so a link cannot be used to
/// flood its owner's mailbox. Keyed by a hash of the link, never the link itself, and counted in
/// the database (<see cref="SharedThrottle"/>), so the limit holds for all IdP instances together.
/// Guessing is bounded separately and exactly by the invitation's tries and lock.
/// </summary>
public sealed class CodeRequestThrottle(SharedThrottle throttle, IOptions<IdentityProviderOptions> options)
{
    public Task<bool> TryAcquireAsync(string token, CancellationToken cancellationToken) =>
        throttle.TryAcquireAsync("code-request", token, options.Value.CodeRequestsPerLinkPerHour, TimeSpan.FromHours(1), slices: 6, cancellationToken);
}
