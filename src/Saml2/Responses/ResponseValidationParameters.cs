namespace KeyPortal.Saml2;

/// <summary>What a Response arriving at the assertion consumer service is checked against.</summary>
public sealed class ResponseValidationParameters
{
    /// <summary>This service provider's entity id: the Audience the assertion must be restricted to (SAML core §2.5.1.4).</summary>
    public required string ServiceProviderEntityId { get; init; }

    /// <summary>The Response's Destination and the bearer SubjectConfirmationData's Recipient must be this URL.</summary>
    public required Uri AssertionConsumerServiceUrl { get; init; }

    /// <summary>The Issuer of the Response (when present) and of the Assertion.</summary>
    public required string IdentityProviderEntityId { get; init; }

    /// <summary>The ONLY keys a signature is verified with; several during a key rollover. KeyInfo in the message is never used.</summary>
    public required IReadOnlyList<X509Certificate2> IdentityProviderCertificates { get; init; }

    /// <summary>The ID of the AuthnRequest this browser has outstanding, or null when it has none.</summary>
    public string? ExpectedInResponseTo { get; init; }

    /// <summary>Accept identity-provider-initiated Responses (no InResponseTo, no outstanding request). Default false.</summary>
    public bool AllowUnsolicited { get; init; }

    /// <summary>Default true: the Assertion itself must be signed. False: a signed Response around an unsigned Assertion is enough.</summary>
    public bool RequireSignedAssertion { get; init; } = true;

    /// <summary>Accept RSA-SHA1 signatures and SHA-1 digests, for identity providers that cannot do better. Default false.</summary>
    public bool AllowSha1 { get; init; }

    /// <summary>Allowed difference between our clock and the identity provider's. Default 2 minutes.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Certificate with its RSA private key; enables EncryptedAssertion. Default none.</summary>
    public X509Certificate2? DecryptionCertificate { get; init; }

    /// <summary>Largest decoded Response accepted, in bytes. Default 256 KiB.</summary>
    public int MaxBytes { get; init; } = 256 * 1024;

    /// <summary>The clock. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
