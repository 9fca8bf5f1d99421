using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.SignIn;

/// <summary>
/// Per-account limit on sign-in attempts (the per-address limit is the "signin" rate-limiter
/// policy). Keyed by the normalized email whether or not an account exists, so it reveals nothing.
/// </summary>
public sealed class SignInThrottle(IOptions<IdentityProviderOptions> options)
    : KeyedThrottle(options.Value.SignInAttemptsPerAccountPer5Minutes, TimeSpan.FromMinutes(5), segments: 5)
{
    public bool TryAcquire(string normalizedEmail) => TryAcquireKey(normalizedEmail);
}
