namespace KeyPortal.Saml2;

/// <summary>This service provider, as its metadata and its AuthnRequests describe it.</summary>
/// <param name="EntityId">Our entityID: the Issuer of our requests and the Audience of assertions for us.</param>
/// <param name="AssertionConsumerServiceUrl">Where the identity provider posts Responses (HTTP-POST binding).</param>
/// <param name="SigningCertificate">Certificate of the key we sign AuthnRequests with; only its public part is published.</param>
/// <param name="EncryptionCertificate">Certificate identity providers encrypt assertions to; only its public part is published.</param>
/// <param name="NameIdFormats">The NameID formats we accept, most preferred first (see <see cref="KeyPortal.Saml2.NameIdFormats"/>).</param>
/// <param name="WantAssertionsSigned">We require signed assertions.</param>
/// <param name="AuthnRequestsSigned">We sign our AuthnRequests.</param>
/// <param name="SingleLogoutServiceUrl">Our single logout endpoint (HTTP-Redirect), when we offer one.</param>
public sealed record ServiceProviderDescription(
    string EntityId,
    Uri AssertionConsumerServiceUrl,
    X509Certificate2? SigningCertificate,
    X509Certificate2? EncryptionCertificate,
    IReadOnlyList<string> NameIdFormats,
    bool WantAssertionsSigned,
    bool AuthnRequestsSigned,
    Uri? SingleLogoutServiceUrl = null);
