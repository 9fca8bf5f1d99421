using KeyPortal.Saml2.Tests.Support;
using static KeyPortal.Saml2.Tests.Support.TestMetadata;

namespace KeyPortal.Saml2.Tests.Metadata;

public sealed class IdentityProviderMetadataReaderTests
{
    [Fact]
    public void EntityDescriptor_IsRead()
    {
        var metadata = IdentityProviderMetadataReader.Read(EntityDescriptor(validUntil: "2030-02-01T00:00:00Z"), Options());

        Assert.Equal(EntityId, metadata.EntityId);
        Assert.Equal(new Uri(SsoRedirect), metadata.SingleSignOnServiceUrl);
        Assert.Equal(new Uri(SloRedirect), metadata.SingleLogoutServiceUrl);
        Assert.True(metadata.WantAuthnRequestsSigned);
        Assert.Equal(new DateTimeOffset(2030, 2, 1, 0, 0, 0, TimeSpan.Zero), metadata.ValidUntil);
        var certificate = Assert.Single(metadata.SigningCertificates);
        Assert.Equal(TestCertificates.IdentityProvider.RawData, certificate.RawData);
        Assert.False(certificate.HasPrivateKey);
    }

    [Fact]
    public void PastedWithLeadingWhitespace_IsRead()
    {
        var xml = "\uFEFF\n  <?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + EntityDescriptor();

        Assert.Equal(EntityId, IdentityProviderMetadataReader.Read(xml, Options()).EntityId);
    }

    [Fact]
    public void TwoSigningCertificates_AreBothRead_ForRollover()
    {
        var keys = KeyDescriptor(TestCertificates.IdentityProvider) + KeyDescriptor(TestCertificates.RolledOver, use: null) + KeyDescriptor(TestCertificates.Encryption, use: "encryption");

        var metadata = IdentityProviderMetadataReader.Read(EntityDescriptor(keyDescriptors: keys), Options());

        Assert.Equal(
            [TestCertificates.IdentityProvider.Thumbprint, TestCertificates.RolledOver.Thumbprint],
            metadata.SigningCertificates.Select(c => c.Thumbprint));
    }

    [Fact]
    public void ReadCertificates_VerifyResponsesOfThatIdentityProvider()
    {
        var metadata = IdentityProviderMetadataReader.Read(EntityDescriptor(), Options());
        var parameters = TestResponses.Parameters(certificates: metadata.SigningCertificates);

        TestResponses.AssertAccepted(ResponseValidator.Validate(new SamlResponseBuilder().BuildEncoded(), parameters));
    }

    [Fact]
    public void EntitiesDescriptor_GivesTheRequestedEntity()
    {
        var xml = $"""
            <md:EntitiesDescriptor xmlns:md="{Md}" Name="federation">
              {EntityDescriptor(entityId: "https://first.example.org", id: "_e1")}
              {EntityDescriptor(entityId: "https://second.example.org", id: "_e2")}
            </md:EntitiesDescriptor>
            """;

        Assert.Equal("https://second.example.org", IdentityProviderMetadataReader.Read(xml, Options(entityId: "https://second.example.org")).EntityId);
        Assert.Equal("https://first.example.org", IdentityProviderMetadataReader.Read(xml, Options()).EntityId);
    }

    [Fact]
    public void EntitiesDescriptor_WithoutTheRequestedEntity_IsRefused()
    {
        var xml = $"""<md:EntitiesDescriptor xmlns:md="{Md}">{EntityDescriptor()}</md:EntitiesDescriptor>""";

        AssertError(SamlMetadataError.EntityNotFound, () => IdentityProviderMetadataReader.Read(xml, Options(entityId: "https://unknown.example.org")));
    }

    [Fact]
    public void ValidUntilInThePast_IsRefused()
    {
        AssertError(SamlMetadataError.Expired, () => IdentityProviderMetadataReader.Read(EntityDescriptor(validUntil: "2030-01-15T11:00:00Z"), Options()));
    }

    [Fact]
    public void ValidUntilOfTheEnclosingEntitiesDescriptor_Counts()
    {
        var xml = $"""<md:EntitiesDescriptor xmlns:md="{Md}" validUntil="2030-01-01T00:00:00Z">{EntityDescriptor()}</md:EntitiesDescriptor>""";

        AssertError(SamlMetadataError.Expired, () => IdentityProviderMetadataReader.Read(xml, Options()));
    }

    [Fact]
    public void Doctype_IsRefused()
    {
        var xml = "<!DOCTYPE md:EntityDescriptor [<!ENTITY e \"x\">]>" + EntityDescriptor();

        AssertError(SamlMetadataError.DoctypeNotAllowed, () => IdentityProviderMetadataReader.Read(xml, Options()));
    }

    [Fact]
    public void NotXml_IsRefused()
    {
        AssertError(SamlMetadataError.NotXml, () => IdentityProviderMetadataReader.Read("<html><body>Sign in", Options()));
    }

    [Fact]
    public void LargerThanTheLimit_IsRefused()
    {
        var options = new MetadataReadOptions { MaxBytes = 1024, TimeProvider = TestResponses.Clock() };

        AssertError(SamlMetadataError.TooLarge, () => IdentityProviderMetadataReader.Read(EntityDescriptor(), options));
    }

    [Fact]
    public void WithoutRedirectSingleSignOn_IsRefused()
    {
        AssertError(SamlMetadataError.NoRedirectSingleSignOnService, () => IdentityProviderMetadataReader.Read(EntityDescriptor(includeRedirectSso: false), Options()));
    }

    [Fact]
    public void WithoutSigningCertificate_IsRefused()
    {
        var keys = KeyDescriptor(TestCertificates.Encryption, use: "encryption");

        AssertError(SamlMetadataError.NoSigningCertificate, () => IdentityProviderMetadataReader.Read(EntityDescriptor(keyDescriptors: keys), Options()));
    }

    [Fact]
    public void ServiceProviderMetadata_IsRefused_AsNoIdentityProvider()
    {
        var sp = new ServiceProviderDescription("https://sp.example.com", new Uri("https://sp.example.com/acs"), null, null, [], true, false);

        AssertError(SamlMetadataError.NoIdentityProvider, () => IdentityProviderMetadataReader.Read(ServiceProviderMetadataWriter.Write(sp), Options()));
    }

    [Fact]
    public void SignedMetadata_IsVerified()
    {
        var metadata = IdentityProviderMetadataReader.Read(Signed(EntityDescriptor()), Options(signingCertificate: TestCertificates.PublicOnly(TestCertificates.Federation)));

        Assert.Equal(EntityId, metadata.EntityId);
    }

    [Fact]
    public void SignedMetadata_ChangedAfterSigning_IsRefused()
    {
        var tampered = Signed(EntityDescriptor()).Replace(SsoRedirect, "https://evil.example.net/sso", StringComparison.Ordinal);

        AssertError(SamlMetadataError.InvalidSignature, () => IdentityProviderMetadataReader.Read(tampered, Options(signingCertificate: TestCertificates.PublicOnly(TestCertificates.Federation))));
    }

    [Fact]
    public void SignedByAnotherKey_IsRefused()
    {
        var xml = Signed(EntityDescriptor(), TestCertificates.Attacker);

        AssertError(SamlMetadataError.InvalidSignature, () => IdentityProviderMetadataReader.Read(xml, Options(signingCertificate: TestCertificates.PublicOnly(TestCertificates.Federation))));
    }

    [Fact]
    public void Unsigned_IsRefused_WhenASigningCertificateIsConfigured()
    {
        AssertError(SamlMetadataError.MissingSignature, () => IdentityProviderMetadataReader.Read(EntityDescriptor(), Options(signingCertificate: TestCertificates.PublicOnly(TestCertificates.Federation))));
    }

    private static string Signed(string xml, X509Certificate2? signer = null)
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml(xml);
        XmlSigning.Sign(document.DocumentElement!, signer ?? TestCertificates.Federation);
        return document.OuterXml;
    }

    private static void AssertError(SamlMetadataError expected, Action read)
    {
        var error = Assert.Throws<SamlMetadataException>(read);
        Assert.Equal(expected, error.Error);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }
}
