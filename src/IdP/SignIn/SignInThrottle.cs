using KeyPortal.IdP.Shared;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.SignIn;

/// <summary>
/// Per-account limits on sign-in attempts (the per-address limit is the "signin" rate-limiter
/// policy): a tight one per (account, client address), so an attacker elsewhere cannot use up
/// the owner's attempts, and a higher ceiling per account across all addresses against
/// distributed guessing. Keyed by the normalized email whether or not an account exists, so it
/// reveals nothing.
/// </summary>
public sealed class SignInThrottle(IOptions<IdentityProviderOptions> options) : IDisposable
{
    private readonly KeyedThrottle _fromOneAddress = new(options.Value.SignInAttemptsPerAccountPer5Minutes, TimeSpan.FromMinutes(5), segments: 5);
    private readonly KeyedThrottle _fromEverywhere = new(options.Value.SignInAttemptsPerAccountCeilingPer5Minutes, TimeSpan.FromMinutes(5), segments: 5);

    public bool TryAcquire(string normalizedEmail, string? clientAddress) =>
        _fromOneAddress.TryAcquire($"{normalizedEmail}\n{clientAddress ?? "unknown"}") && _fromEverywhere.TryAcquire(normalizedEmail);

    public void Dispose()
    {
        _fromOneAddress.Dispose();
        _fromEverywhere.Dispose();
    }
}
