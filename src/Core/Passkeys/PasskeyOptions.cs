using System.ComponentModel.DataAnnotations;

namespace KeyPortal.Core.Passkeys;

/// <summary>
/// The WebAuthn relying party and the authenticator policy. Section <c>Passkeys</c>; checked at
/// start-up. Defaults are the development IdP on <c>http://localhost:5000</c> with the production
/// policy (<see cref="AuthenticatorPolicyKind.YubiKey"/>).
/// </summary>
public sealed class PasskeyOptions : IValidatableObject
{
    public const string SectionName = "Passkeys";

    /// <summary>
    /// WebAuthn RP ID (https://www.w3.org/TR/webauthn-3/#rp-id): the IdP's host name or a
    /// registrable suffix of it. Passkeys are bound to it for good: changing it orphans every
    /// registered passkey. Default <c>localhost</c>.
    /// </summary>
    [Required]
    public string RelyingPartyId { get; set; } = "localhost";

    /// <summary>Shown by some browsers while the user touches the key. Default <c>Key Portal</c>.</summary>
    [Required]
    public string RelyingPartyName { get; set; } = "Key Portal";

    /// <summary>
    /// The exact origins (scheme, host, port) whose pages may run a ceremony. Default
    /// <c>http://localhost:5000</c>. Configured origins replace the default rather than being
    /// added to it (the configuration binder would otherwise append to the list).
    /// </summary>
    public List<string> Origins { get; set; } = ["http://localhost:5000"];

    /// <summary>Which authenticators may register. Default <see cref="AuthenticatorPolicyKind.YubiKey"/> (SPEC).</summary>
    public AuthenticatorPolicyKind Policy { get; set; } = AuthenticatorPolicyKind.YubiKey;

    /// <summary>
    /// Oldest YubiKey firmware the <see cref="AuthenticatorPolicyKind.YubiKey"/> policy accepts,
    /// as major.minor.patch. Default <c>5.2.4</c> (SPEC). An AAGUID only tells the firmware
    /// series; see <see cref="AuthenticatorModel.CanRunFirmware"/> for how a series is judged.
    /// </summary>
    [Required]
    public string MinimumYubiKeyFirmware { get; set; } = "5.2.4";

    /// <summary>How long a started ceremony can be completed; also the browser's timeout. Default 5 minutes.</summary>
    public TimeSpan CeremonyLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><see cref="MinimumYubiKeyFirmware"/> parsed; valid once the options passed validation.</summary>
    internal Version ParseMinimumFirmware() => Version.Parse(MinimumYubiKeyFirmware);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Version.TryParse(MinimumYubiKeyFirmware, out var minimum) || minimum.Build < 0 || minimum.Revision >= 0)
        {
            yield return new ValidationResult(
                "Passkeys:MinimumYubiKeyFirmware must be a version of the form major.minor.patch, such as 5.2.4.",
                [nameof(MinimumYubiKeyFirmware)]);
        }

        if (CeremonyLifetime <= TimeSpan.Zero || CeremonyLifetime > TimeSpan.FromMinutes(30))
        {
            yield return new ValidationResult(
                "Passkeys:CeremonyLifetime must be positive and at most 30 minutes.", [nameof(CeremonyLifetime)]);
        }

        if (Origins.Count == 0)
        {
            yield return new ValidationResult("Passkeys:Origins needs at least one origin.", [nameof(Origins)]);
        }

        foreach (var origin in Origins)
        {
            if (OriginError(origin) is { } error)
            {
                yield return new ValidationResult($"Passkeys:Origins: '{origin}' {error}", [nameof(Origins)]);
            }
        }
    }

    /// <summary>
    /// WebAuthn §5.1.3/§5.1.4: the browser refuses a ceremony whose RP ID is neither the page's
    /// host nor a registrable suffix of it, so such a configuration could never work.
    /// </summary>
    private string? OriginError(string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return "is not an absolute http or https URL.";
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            return "must be an origin only (scheme, host and port, no path).";
        }

        var host = uri.IdnHost;
        var rpId = RelyingPartyId.Trim().ToLowerInvariant();
        if (host != rpId && !host.EndsWith("." + rpId, StringComparison.Ordinal))
        {
            return $"does not belong to the relying party ID '{RelyingPartyId}'.";
        }

        // Browsers allow WebAuthn only in secure contexts; plain http only for localhost.
        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback && host != "localhost" && !host.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return "must use https (browsers allow plain http only for localhost).";
        }

        return null;
    }
}

/// <summary>Which authenticators may hold a passkey for the portal.</summary>
public enum AuthenticatorPolicyKind
{
    /// <summary>
    /// Production (SPEC): device-bound passkeys on YubiKeys with at least the minimum firmware,
    /// proven by a "packed" attestation chaining to Yubico's attestation roots.
    /// </summary>
    YubiKey,

    /// <summary>Any device-bound (not backup-eligible) passkey: development with software or browser-virtual authenticators.</summary>
    DeviceBound,

    /// <summary>Every passkey, synced ones included. For tests and demonstrations only.</summary>
    Any,
}
