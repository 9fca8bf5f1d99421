using System.Collections.Concurrent;

namespace KeyPortal.Saml2;

/// <summary>
/// A process-local <see cref="IAssertionReplayCache"/> for tests and single-instance tools. Not for production:
/// several instances behind a load balancer would each accept the same assertion once.
/// </summary>
public sealed class InMemoryAssertionReplayCache(TimeProvider timeProvider) : IAssertionReplayCache
{
    private readonly ConcurrentDictionary<(string Issuer, string AssertionId), DateTimeOffset> _remembered = new();

    public InMemoryAssertionReplayCache()
        : this(TimeProvider.System)
    {
    }

    public ValueTask<bool> TryRememberAsync(string issuer, string assertionId, DateTimeOffset keepUntil, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(assertionId);
        ct.ThrowIfCancellationRequested();

        var now = timeProvider.GetUtcNow();
        foreach (var entry in _remembered)
        {
            if (entry.Value <= now)
            {
                _remembered.TryRemove(entry);
            }
        }

        return ValueTask.FromResult(_remembered.TryAdd((issuer, assertionId), keepUntil));
    }
}
