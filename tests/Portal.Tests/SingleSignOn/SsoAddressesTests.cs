using KeyPortal.Core.SingleSignOn;

namespace KeyPortal.Portal.Tests.SingleSignOn;

public sealed class SsoAddressesTests
{
    [Theory]
    [InlineData("https://id.example.com/")]
    [InlineData("https://id.example.com")]
    public void Addresses_hang_off_the_IdP_public_url(string idp)
    {
        var root = new Uri(idp);
        Assert.Equal("https://id.example.com/sso/contoso/saml", SsoAddresses.SamlEntityId(root, "contoso"));
        Assert.Equal("https://id.example.com/sso/contoso/saml/acs", SsoAddresses.SamlAssertionConsumerService(root, "contoso").AbsoluteUri);
        Assert.Equal("https://id.example.com/sso/contoso/saml/metadata", SsoAddresses.SamlMetadata(root, "contoso").AbsoluteUri);
        Assert.Equal("https://id.example.com/sso/oidc/callback", SsoAddresses.OidcCallback(root).AbsoluteUri);
        Assert.Equal("https://id.example.com/sso/contoso", SsoAddresses.LoginLink(root, "contoso").AbsoluteUri);
        Assert.Equal("https://id.example.com/sso/contoso/test", SsoAddresses.Test(root, "contoso").AbsoluteUri);
    }

    [Fact]
    public void A_path_under_the_IdP_url_is_kept()
    {
        Assert.Equal("https://example.com/idp/sso/contoso", SsoAddresses.LoginLink(new Uri("https://example.com/idp"), "contoso").AbsoluteUri);
    }
}
