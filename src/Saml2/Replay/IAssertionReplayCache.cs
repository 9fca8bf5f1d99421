namespace KeyPortal.Saml2;

/// <summary>
/// Remembers accepted assertion ids so that each is used once (SAML profiles §4.1.4.5: a bearer assertion must not
/// be accepted twice within its validity). The production store is the application's database, shared by every
/// instance; like a passkey ceremony, the id must be claimed atomically (insert, unique key) before it is trusted.
/// </summary>
public interface IAssertionReplayCache
{
    /// <summary>
    /// Records the id until <paramref name="keepUntil"/> (see <see cref="SamlAssertion.KeepInReplayCacheUntil"/>).
    /// Returns false when the id is already remembered: the assertion is a replay and must be refused.
    /// </summary>
    ValueTask<bool> TryRememberAsync(string issuer, string assertionId, DateTimeOffset keepUntil, CancellationToken ct);
}
