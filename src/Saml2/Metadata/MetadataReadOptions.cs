namespace KeyPortal.Saml2;

/// <summary>How <see cref="IdentityProviderMetadataReader.Read"/> picks and checks an identity provider's metadata.</summary>
public sealed class MetadataReadOptions
{
    /// <summary>The entityID to pick from an EntitiesDescriptor (or to require of an EntityDescriptor). Default: the first identity provider.</summary>
    public string? EntityId { get; init; }

    /// <summary>When set, the metadata must carry a valid enveloped signature on its root, made with this certificate (SAML metadata §3).</summary>
    public X509Certificate2? MetadataSigningCertificate { get; init; }

    /// <summary>Accept an RSA-SHA1 / SHA-1 metadata signature. Default false.</summary>
    public bool AllowSha1 { get; init; }

    /// <summary>The clock for validUntil. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Largest metadata accepted, in UTF-8 bytes. Default 1 MiB; federation aggregates need more.</summary>
    public int MaxBytes { get; init; } = 1 << 20;
}
