namespace KeyPortal.Core.SingleSignOn;

/// <summary>
/// Where an organization's identity provider finds us: the addresses its administrator copies
/// from the settings page, and the ones our handlers answer at. One spelling for the IdP and the Portal.
/// </summary>
public static class SsoAddresses
{
    /// <summary>The login link members use (service-provider initiated): <c>{IdP}sso/{slug}</c>.</summary>
    public static Uri LoginLink(Uri idp, string slug) => At(idp, $"sso/{Escape(slug)}");

    /// <summary>Our SAML entity id for the organization (a per-organization service provider): <c>{IdP}sso/{slug}/saml</c>.</summary>
    public static string SamlEntityId(Uri idp, string slug) => At(idp, $"sso/{Escape(slug)}/saml").AbsoluteUri;

    /// <summary>The assertion consumer service (HTTP-POST binding): <c>{IdP}sso/{slug}/saml/acs</c>.</summary>
    public static Uri SamlAssertionConsumerService(Uri idp, string slug) => At(idp, $"sso/{Escape(slug)}/saml/acs");

    /// <summary>Our SAML metadata for the organization: <c>{IdP}sso/{slug}/saml/metadata</c>.</summary>
    public static Uri SamlMetadata(Uri idp, string slug) => At(idp, $"sso/{Escape(slug)}/saml/metadata");

    /// <summary>The OpenID Connect redirect URI, one for every organization (the state names it): <c>{IdP}sso/oidc/callback</c>.</summary>
    public static Uri OidcCallback(Uri idp) => At(idp, "sso/oidc/callback");

    /// <summary>The connection test an Owner opens from the settings page (a real sign-in whose result is shown; signs nobody in).</summary>
    public static Uri Test(Uri idp, string slug) => At(idp, $"sso/{Escape(slug)}/test");

    private static Uri At(Uri idp, string relative)
    {
        ArgumentNullException.ThrowIfNull(idp);
        // Without a trailing slash, new Uri(base, relative) would drop the base's last path segment.
        var root = idp.AbsoluteUri.EndsWith('/') ? idp : new Uri(idp.AbsoluteUri + "/");
        return new Uri(root, relative);
    }

    private static string Escape(string slug)
    {
        ArgumentException.ThrowIfNullOrEmpty(slug);
        return Uri.EscapeDataString(slug);
    }
}
