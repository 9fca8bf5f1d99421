namespace KeyPortal.Saml2;

/// <summary>
/// Why a SAML Response was not accepted. Each value names one check; <see cref="SamlRefusalCodes.Of"/> gives the
/// stable code for logs and audit entries.
/// </summary>
public enum SamlRefusal
{
    /// <summary>Not base64, not well-formed XML, or not shaped as SAML core §3.3.3 / §2.3.3 require.</summary>
    Malformed,

    /// <summary>The decoded document is larger than <see cref="ResponseValidationParameters.MaxBytes"/>.</summary>
    TooLarge,

    /// <summary>The document has a DOCTYPE. SAML core §1.3 (and the SAML security considerations) forbid DTDs.</summary>
    DoctypeNotAllowed,

    /// <summary>The identity provider answered with a status other than Success (SAML core §3.2.2.2).</summary>
    NotSuccessStatus,

    /// <summary>No signature where one is required.</summary>
    MissingSignature,

    /// <summary>A signature does not verify with any configured certificate, or is not formed as SAML core §5.4 requires.</summary>
    InvalidSignature,

    /// <summary>The signature verifies only with a key the message carries itself, which is not a configured one.</summary>
    UntrustedKey,

    /// <summary>A signature or digest algorithm off the allow-list (SHA-1 unless allowed).</summary>
    WeakAlgorithm,

    /// <summary>The signed element is not the element that would be read: an XML signature wrapping attack.</summary>
    SignatureWrapping,

    /// <summary>Two elements carry the same ID, so a reference could resolve to either.</summary>
    DuplicateId,

    /// <summary>The Issuer of the Response or of the Assertion is not the configured identity provider.</summary>
    WrongIssuer,

    /// <summary>The Response's Destination is not this assertion consumer service (SAML bindings §3.5.5.2).</summary>
    WrongDestination,

    /// <summary>The bearer SubjectConfirmationData's Recipient is not this assertion consumer service (SAML profiles §4.1.4.3).</summary>
    WrongRecipient,

    /// <summary>The assertion's AudienceRestriction does not name this service provider, or is missing.</summary>
    WrongAudience,

    /// <summary>InResponseTo does not match the request this browser has outstanding, or there is none.</summary>
    UnknownInResponseTo,

    /// <summary>An identity-provider-initiated (unsolicited) Response where those are not allowed.</summary>
    UnsolicitedNotAllowed,

    /// <summary>A NotOnOrAfter (Conditions, bearer confirmation, session) has passed, allowing for clock skew.</summary>
    Expired,

    /// <summary>The Conditions' NotBefore is still ahead, allowing for clock skew.</summary>
    NotYetValid,

    /// <summary>No bearer SubjectConfirmation usable for Web Browser SSO (SAML profiles §4.1.4.2).</summary>
    NoBearerConfirmation,

    /// <summary>The Subject has no readable NameID.</summary>
    MissingNameId,

    /// <summary>An EncryptedAssertion could not be decrypted with the configured key and an allowed algorithm.</summary>
    DecryptionFailed,

    /// <summary>An EncryptedAssertion arrived but no decryption certificate is configured.</summary>
    EncryptedAssertionUnsupported,

    /// <summary>The assertion id was seen before (reported by the application's replay cache, not by the validator).</summary>
    Replayed,
}
