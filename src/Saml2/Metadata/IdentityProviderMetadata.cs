namespace KeyPortal.Saml2;

/// <summary>What a service provider needs of an identity provider's metadata (SAML metadata §2.4.3).</summary>
/// <param name="EntityId">The identity provider's entityID: the Issuer its responses must carry.</param>
/// <param name="SingleSignOnServiceUrl">The SingleSignOnService location of the HTTP-Redirect binding.</param>
/// <param name="SigningCertificates">Every KeyDescriptor of use "signing" or without use; several during a key rollover.</param>
/// <param name="ValidUntil">The earliest validUntil of the descriptor and its ancestors, when any is given.</param>
/// <param name="WantAuthnRequestsSigned">The identity provider asks for signed AuthnRequests.</param>
/// <param name="SingleLogoutServiceUrl">The SingleLogoutService location (HTTP-Redirect preferred, else HTTP-POST), when offered.</param>
public sealed record IdentityProviderMetadata(
    string EntityId,
    Uri SingleSignOnServiceUrl,
    IReadOnlyList<X509Certificate2> SigningCertificates,
    DateTimeOffset? ValidUntil,
    bool WantAuthnRequestsSigned,
    Uri? SingleLogoutServiceUrl);
