namespace KeyPortal.Saml2;

/// <summary>Why identity provider metadata was not accepted.</summary>
public enum SamlMetadataError
{
    /// <summary>Not well-formed XML.</summary>
    NotXml,

    /// <summary>The document has a DOCTYPE; DTDs are not allowed.</summary>
    DoctypeNotAllowed,

    /// <summary>Larger than <see cref="MetadataReadOptions.MaxBytes"/>.</summary>
    TooLarge,

    /// <summary>XML, but not an md:EntityDescriptor or md:EntitiesDescriptor, or with an unreadable value.</summary>
    NotMetadata,

    /// <summary>No EntityDescriptor with the requested entityID (or it appears twice).</summary>
    EntityNotFound,

    /// <summary>No IDPSSODescriptor supporting the SAML 2.0 protocol.</summary>
    NoIdentityProvider,

    /// <summary>No SingleSignOnService of the HTTP-Redirect binding with an absolute http(s) location.</summary>
    NoRedirectSingleSignOnService,

    /// <summary>No KeyDescriptor for signing carries an X.509 certificate.</summary>
    NoSigningCertificate,

    /// <summary>A signing certificate could not be decoded.</summary>
    InvalidCertificate,

    /// <summary>validUntil has passed.</summary>
    Expired,

    /// <summary>A metadata signing certificate is configured but the metadata is not signed.</summary>
    MissingSignature,

    /// <summary>The metadata signature is not valid, not made with the configured certificate, or not formed as required.</summary>
    InvalidSignature,
}
