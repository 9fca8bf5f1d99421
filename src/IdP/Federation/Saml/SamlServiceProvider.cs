using System.Security.Cryptography.X509Certificates;
using KeyPortal.Core;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.SingleSignOn;
using KeyPortal.Saml2;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.Federation.Saml;

/// <summary>
/// This installation as the SAML service provider of one organization: its entity id, ACS and
/// key pair (made when the Owner first saved a SAML connection), and the identity provider's
/// certificates from the connection. One place, so metadata, requests and validation agree.
/// </summary>
public sealed class SamlServiceProvider(IOptions<PublicUrlOptions> urls, SsoSecrets secrets)
{
    public ServiceProviderDescription Describe(Organization organization, SsoConnection connection, X509Certificate2? certificate)
    {
        ArgumentNullException.ThrowIfNull(organization);
        ArgumentNullException.ThrowIfNull(connection);
        var idp = urls.Value.IdP;
        return new ServiceProviderDescription(
            SsoAddresses.SamlEntityId(idp, organization.Slug),
            SsoAddresses.SamlAssertionConsumerService(idp, organization.Slug),
            SigningCertificate: certificate,
            EncryptionCertificate: certificate,
            NameIdFormats: [NameIdFormats.EmailAddress, NameIdFormats.Persistent, NameIdFormats.Unspecified],
            WantAssertionsSigned: connection.SamlRequireSignedAssertions,
            AuthnRequestsSigned: connection.SamlSignRequests && certificate is not null);
    }

    /// <summary>The organization's key pair, or null when it cannot be read (then requests go unsigned and encrypted assertions fail).</summary>
    public X509Certificate2? Certificate(SsoConnection connection) => secrets.ServiceProviderCertificate(connection);

    /// <summary>The identity provider's signing certificates, from the PEM the connection keeps.</summary>
    public static IReadOnlyList<X509Certificate2> IdentityProviderCertificates(SsoConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var certificates = new X509Certificate2Collection();
        if (!string.IsNullOrWhiteSpace(connection.SamlSigningCertificatesPem))
        {
            certificates.ImportFromPem(connection.SamlSigningCertificatesPem);
        }

        return [.. certificates];
    }
}
