using KeyPortal.Core.Throttling;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.SignIn;

/// <summary>
/// Per-account limits on sign-in attempts (the per-address limit is the "signin" rate-limiter
/// policy): a tight one per (account, client address), so an attacker elsewhere cannot use up
/// the owner's attempts, and a higher ceiling per account across all addresses against
/// distributed guessing. Keyed by the normalized email whether or not an account exists, so it
/// reveals nothing. Counted in the database (<see cref="SharedThrottle"/>): the limits hold
/// for all instances of the IdP together, not per instance.
/// </summary>
public sealed class SignInThrottle(SharedThrottle throttle, IOptions<IdentityProviderOptions> options)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    public async Task<bool> TryAcquireAsync(string normalizedEmail, string? clientAddress, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        return await throttle.TryAcquireAsync("signin-account-address", $"{normalizedEmail}\n{clientAddress ?? "unknown"}",
                limits.SignInAttemptsPerAccountPer5Minutes, Window, slices: 5, cancellationToken)
            && await throttle.TryAcquireAsync("signin-account", normalizedEmail,
                limits.SignInAttemptsPerAccountCeilingPer5Minutes, Window, slices: 5, cancellationToken);
    }
}
