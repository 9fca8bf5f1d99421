namespace KeyPortal.Core.SingleSignOn;

/// <summary>
/// The addresses of an organization's single sign-on at the IdP, as the customer's identity-provider
/// administrator copies them (Portal) and as the IdP serves them. Written once here so the page
/// that shows them and the endpoints that answer them cannot drift apart.
/// </summary>
public static class SsoAddresses
{
    /// <summary>Our SAML service-provider entity id for the organization: <c>{IdP}sso/{slug}/saml</c>.</summary>
    public static Uri SamlEntityId(Uri idp, string slug) => At(idp, $"sso/{Escape(slug)}/saml");

    /// <summary>The SAML assertion consumer service (HTTP-POST): <c>{IdP}sso/{slug}/saml/acs</c>.</summary>
    public static Uri SamlAssertionConsumerService(Uri idp, string slug) => At(idp, $"sso/{Escape(slug)}/saml/acs");

    /// <summary>Our SAML service-provider metadata: <c>{IdP}sso/{slug}/saml/metadata</c>.</summary>
    public static Uri SamlMetadata(Uri idp, string slug) => At(idp, $"sso/{Escape(slug)}/saml/metadata");

    /// <summary>The one OpenID Connect redirect URI of every organization: <c>{IdP}sso/oidc/callback</c> (the state names the organization).</summary>
    public static Uri OidcRedirect(Uri idp) => At(idp, "sso/oidc/callback");

    /// <summary>The organization's service-provider-initiated login link: <c>{IdP}sso/{slug}</c>.</summary>
    public static Uri LoginLink(Uri idp, string slug) => At(idp, $"sso/{Escape(slug)}");

    /// <summary>The Owner's connection test (a real sign-in whose result is shown, signing nobody in): <c>{IdP}sso/{slug}/test</c>.</summary>
    public static Uri Test(Uri idp, string slug) => At(idp, $"sso/{Escape(slug)}/test");

    private static Uri At(Uri idp, string relative)
    {
        ArgumentNullException.ThrowIfNull(idp);
        // PublicUrls end with a slash; without it, new Uri(base, relative) would drop the base's last segment.
        var root = idp.AbsoluteUri.EndsWith('/') ? idp : new Uri(idp.AbsoluteUri + "/");
        return new Uri(root, relative);
    }

    private static string Escape(string slug)
    {
        ArgumentException.ThrowIfNullOrEmpty(slug);
        return Uri.EscapeDataString(slug);
    }
}
