namespace KeyPortal.TestSupport.Peers;

/// <summary>
/// How a customer's SAML identity provider is set up for one service provider (the Portal, for one
/// organization). What the provider knows of the service provider comes from
/// <see cref="ServiceProviderMetadataXml"/> when given (entity id, HTTP-POST assertion consumer
/// service, certificates for signed requests and for encryption), otherwise from
/// <see cref="ServiceProviderEntityId"/> and <see cref="AssertionConsumerServiceUrl"/>; it can be
/// replaced after start with <see cref="ISamlTestIdp.UpdateServiceProviderAsync"/>.
/// </summary>
public abstract record SamlIdpOptions
{
    public required string ServiceProviderEntityId { get; init; }

    public required Uri AssertionConsumerServiceUrl { get; init; }

    /// <summary>The service provider's SAML metadata (an EntityDescriptor with an SPSSODescriptor); null: built from the two above.</summary>
    public string? ServiceProviderMetadataXml { get; init; }

    /// <summary>Sign the assertion. Default: true.</summary>
    public bool SignAssertion { get; init; } = true;

    /// <summary>Sign the whole response as well. Default: false.</summary>
    public bool SignResponse { get; init; }

    /// <summary>Encrypt the assertion for the service provider's encryption certificate (from its metadata). Default: false.</summary>
    public bool EncryptAssertion { get; init; }

    public IReadOnlyList<SamlTestUser> Users { get; init; } = [];
}
