using KeyPortal.IdP.Shared;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Links;

/// <summary>
/// How many one-time codes one emailed link may request per hour, so a link cannot be used to
/// flood its owner's mailbox. Keyed by a hash of the link, never the link itself. Guessing is
/// bounded separately and exactly by the invitation's tries and lock.
/// </summary>
public sealed class CodeRequestThrottle(IOptions<IdentityProviderOptions> options) : IDisposable
{
    private readonly KeyedThrottle _perLink = new(options.Value.CodeRequestsPerLinkPerHour, TimeSpan.FromHours(1), segments: 6);

    public bool TryAcquire(string token) => _perLink.TryAcquire(KeyedThrottle.KeyOfSecret(token));

    public void Dispose() => _perLink.Dispose();
}
