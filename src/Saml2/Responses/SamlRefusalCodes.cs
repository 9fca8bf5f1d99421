using System.Collections.Frozen;

namespace KeyPortal.Saml2;

/// <summary>
/// Stable snake_case codes for <see cref="SamlRefusal"/>, written to logs and audit entries. Spelled out rather than
/// derived from the enum names, so that renaming a member never changes what stored audit entries mean.
/// </summary>
public static class SamlRefusalCodes
{
    private static readonly FrozenDictionary<SamlRefusal, string> Codes = new Dictionary<SamlRefusal, string>
    {
        [SamlRefusal.Malformed] = "malformed",
        [SamlRefusal.TooLarge] = "too_large",
        [SamlRefusal.DoctypeNotAllowed] = "doctype_not_allowed",
        [SamlRefusal.NotSuccessStatus] = "not_success_status",
        [SamlRefusal.MissingSignature] = "missing_signature",
        [SamlRefusal.InvalidSignature] = "invalid_signature",
        [SamlRefusal.UntrustedKey] = "untrusted_key",
        [SamlRefusal.WeakAlgorithm] = "weak_algorithm",
        [SamlRefusal.SignatureWrapping] = "signature_wrapping",
        [SamlRefusal.DuplicateId] = "duplicate_id",
        [SamlRefusal.WrongIssuer] = "wrong_issuer",
        [SamlRefusal.WrongDestination] = "wrong_destination",
        [SamlRefusal.WrongRecipient] = "wrong_recipient",
        [SamlRefusal.WrongAudience] = "wrong_audience",
        [SamlRefusal.UnknownInResponseTo] = "unknown_in_response_to",
        [SamlRefusal.UnsolicitedNotAllowed] = "unsolicited_not_allowed",
        [SamlRefusal.Expired] = "expired",
        [SamlRefusal.NotYetValid] = "not_yet_valid",
        [SamlRefusal.NoBearerConfirmation] = "no_bearer_confirmation",
        [SamlRefusal.MissingNameId] = "missing_name_id",
        [SamlRefusal.DecryptionFailed] = "decryption_failed",
        [SamlRefusal.EncryptedAssertionUnsupported] = "encrypted_assertion_unsupported",
        [SamlRefusal.Replayed] = "replayed",
    }.ToFrozenDictionary();

    /// <summary>The code of a refusal, e.g. <c>wrong_audience</c> for <see cref="SamlRefusal.WrongAudience"/>.</summary>
    public static string Of(SamlRefusal refusal) =>
        Codes.TryGetValue(refusal, out var code)
            ? code
            : throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "Unknown SAML refusal.");
}
