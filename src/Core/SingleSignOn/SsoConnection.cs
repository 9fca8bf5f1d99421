namespace KeyPortal.Core.SingleSignOn;

/// <summary>How an organization's identity provider speaks to us.</summary>
public enum SsoProtocol
{
    Saml = 1,
    OpenIdConnect = 2,
}

/// <summary>
/// An organization's own identity provider: the SAML 2.0 or OpenID Connect details its Owner
/// entered. Whether members sign in through it is <see cref="Organization.Sso"/>'s switch, the
/// one flag every rule reads (added members are Active at once, credential management is
/// hidden); this row holds what the federation handlers need. <see cref="Version"/> grows with
/// every change, so a sign-in started under an older configuration is refused at its end, and
/// the federated sessions of the organization end with the change.
/// </summary>
public sealed class SsoConnection
{
    public const int MaxUrlLength = 2048;
    public const int DefaultClockSkewSeconds = 120;

    public Guid OrganizationId { get; set; }

    public SsoProtocol Protocol { get; set; }

    public long Version { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Allowed difference between our clock and the identity provider's, for validity windows.</summary>
    public int ClockSkewSeconds { get; set; } = DefaultClockSkewSeconds;

    // SAML 2.0 -------------------------------------------------------------------------------

    /// <summary>The identity provider's entity id (the Issuer its responses must carry).</summary>
    public string? SamlIdentityProviderEntityId { get; set; }

    /// <summary>Its single sign-on service (HTTP-Redirect binding).</summary>
    public string? SamlSingleSignOnUrl { get; set; }

    /// <summary>Its signing certificates, PEM, several during a rollover: the only keys a response is verified with.</summary>
    public string? SamlSigningCertificatesPem { get; set; }

    /// <summary>Where its metadata came from, when it was read from a URL (refreshed from there).</summary>
    public string? SamlMetadataUrl { get; set; }

    /// <summary>The metadata's <c>validUntil</c>: after it, sign-in stops until the metadata is read again.</summary>
    public DateTimeOffset? SamlMetadataValidUntil { get; set; }

    /// <summary>Assertions must be signed themselves (a signed response around an unsigned assertion is not enough). On by default.</summary>
    public bool SamlRequireSignedAssertions { get; set; } = true;

    /// <summary>SHA-1 signatures are refused unless the Owner explicitly allows them for an old identity provider.</summary>
    public bool SamlAllowSha1 { get; set; }

    /// <summary>Responses nobody asked for (sign-in started at the identity provider) are refused unless this is on.</summary>
    public bool SamlAllowIdpInitiated { get; set; }

    /// <summary>Our AuthnRequests are signed (RSA-SHA256) with the organization's service-provider key.</summary>
    public bool SamlSignRequests { get; set; } = true;

    /// <summary>
    /// The organization's service-provider key pair (PKCS#12, protected with the installation's
    /// shared data protection): signs AuthnRequests and decrypts encrypted assertions. Made once
    /// per organization; its certificate is in our metadata.
    /// </summary>
    public string? SamlServiceProviderKeyProtected { get; set; }

    // OpenID Connect -------------------------------------------------------------------------

    public string? OidcIssuer { get; set; }

    public string? OidcClientId { get; set; }

    /// <summary>The client secret, protected with the installation's shared data protection; never shown again.</summary>
    public string? OidcClientSecretProtected { get; set; }

    /// <summary>True when the protocol's required details are present, so the connection can be tested and switched on.</summary>
    public bool IsComplete => Protocol switch
    {
        SsoProtocol.Saml => !string.IsNullOrEmpty(SamlIdentityProviderEntityId) && !string.IsNullOrEmpty(SamlSingleSignOnUrl)
            && !string.IsNullOrEmpty(SamlSigningCertificatesPem),
        SsoProtocol.OpenIdConnect => !string.IsNullOrEmpty(OidcIssuer) && !string.IsNullOrEmpty(OidcClientId)
            && !string.IsNullOrEmpty(OidcClientSecretProtected),
        _ => false,
    };
}
