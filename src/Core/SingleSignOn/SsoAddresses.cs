namespace KeyPortal.Core.SingleSignOn;

/// <summary>
/// Where an organization's identity provider finds us: the addresses its administrator copies
/// from the settings page, and the ones our handlers answer at. One spelling for the IdP and the Portal.
/// </summary>
public static class SsoAddresses
{
    /// <summary>The login link members use: <c>{IdP}sso/{slug}</c>.</summary>
    public static Uri LoginLink(Uri idp, string slug) => new(idp, $"sso/{slug}");

    /// <summary>Our SAML entity id for the organization (a per-organization service provider).</summary>
    public static string SamlEntityId(Uri idp, string slug) => new Uri(idp, $"sso/{slug}/saml").AbsoluteUri;

    /// <summary>The assertion consumer service (HTTP-POST binding).</summary>
    public static Uri SamlAssertionConsumerService(Uri idp, string slug) => new(idp, $"sso/{slug}/saml/acs");

    /// <summary>Our SAML metadata for the organization.</summary>
    public static Uri SamlMetadata(Uri idp, string slug) => new(idp, $"sso/{slug}/saml/metadata");

    /// <summary>The OpenID Connect redirect URI, one for every organization.</summary>
    public static Uri OidcCallback(Uri idp) => new(idp, "sso/oidc/callback");

    /// <summary>The connection test an Owner opens from the settings page.</summary>
    public static Uri Test(Uri idp, string slug) => new(idp, $"sso/{slug}/test");
}
