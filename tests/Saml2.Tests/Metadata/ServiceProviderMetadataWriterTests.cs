using KeyPortal.Saml2.Tests.Support;

namespace KeyPortal.Saml2.Tests.Metadata;

public sealed class ServiceProviderMetadataWriterTests
{
    private const string Md = "urn:oasis:names:tc:SAML:2.0:metadata";
    private const string Ds = "http://www.w3.org/2000/09/xmldsig#";

    private static readonly ServiceProviderDescription Sp = new(
        "https://portal.example.com/saml",
        new Uri("https://portal.example.com/saml/acs"),
        TestCertificates.ServiceProvider,
        TestCertificates.Encryption,
        [NameIdFormats.EmailAddress, NameIdFormats.Persistent],
        WantAssertionsSigned: true,
        AuthnRequestsSigned: true,
        SingleLogoutServiceUrl: new Uri("https://portal.example.com/saml/logout"));

    [Fact]
    public void Written_ParsesAsAnEntityDescriptorOfThisServiceProvider()
    {
        var document = Parse(ServiceProviderMetadataWriter.Write(Sp));
        var namespaces = Namespaces(document);

        var entity = document.DocumentElement!;
        Assert.Equal("EntityDescriptor", entity.LocalName);
        Assert.Equal(Md, entity.NamespaceURI);
        Assert.Equal("https://portal.example.com/saml", entity.GetAttribute("entityID"));

        var sp = (XmlElement)entity.SelectSingleNode("md:SPSSODescriptor", namespaces)!;
        Assert.Equal("true", sp.GetAttribute("WantAssertionsSigned"));
        Assert.Equal("true", sp.GetAttribute("AuthnRequestsSigned"));
        Assert.Equal("urn:oasis:names:tc:SAML:2.0:protocol", sp.GetAttribute("protocolSupportEnumeration"));

        var acs = (XmlElement)sp.SelectSingleNode("md:AssertionConsumerService", namespaces)!;
        Assert.Equal("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", acs.GetAttribute("Binding"));
        Assert.Equal("https://portal.example.com/saml/acs", acs.GetAttribute("Location"));
        Assert.Equal("0", acs.GetAttribute("index"));
        Assert.Equal("true", acs.GetAttribute("isDefault"));

        Assert.Equal(
            [NameIdFormats.EmailAddress, NameIdFormats.Persistent],
            sp.SelectNodes("md:NameIDFormat", namespaces)!.Cast<XmlElement>().Select(e => e.InnerText));
        Assert.Equal("https://portal.example.com/saml/logout", ((XmlElement)sp.SelectSingleNode("md:SingleLogoutService", namespaces)!).GetAttribute("Location"));
    }

    [Fact]
    public void Written_PublishesThePublicCertificatesByUse()
    {
        var document = Parse(ServiceProviderMetadataWriter.Write(Sp));
        var namespaces = Namespaces(document);

        X509Certificate2 CertificateFor(string use)
        {
            var text = document.SelectSingleNode($"//md:KeyDescriptor[@use='{use}']/ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces)!.InnerText;
            return X509CertificateLoader.LoadCertificate(Convert.FromBase64String(text));
        }

        Assert.Equal(TestCertificates.ServiceProvider.RawData, CertificateFor("signing").RawData);
        Assert.Equal(TestCertificates.Encryption.RawData, CertificateFor("encryption").RawData);
        Assert.NotEmpty(document.SelectNodes("//md:KeyDescriptor[@use='encryption']/md:EncryptionMethod", namespaces)!);
        Assert.Empty(document.SelectNodes("//md:KeyDescriptor[@use='signing']/md:EncryptionMethod", namespaces)!);
    }

    [Fact]
    public void Written_CarriesNoPrivateKey()
    {
        Assert.True(TestCertificates.Encryption.HasPrivateKey);
        var xml = ServiceProviderMetadataWriter.Write(Sp);
        using var key = TestCertificates.Encryption.GetRSAPrivateKey()!;
        var privateKey = Convert.ToBase64String(key.ExportPkcs8PrivateKey());

        Assert.DoesNotContain("PRIVATE", xml, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(privateKey[..40], xml, StringComparison.Ordinal);
        Assert.Equal(2, Parse(xml).GetElementsByTagName("X509Certificate", Ds).Count);
    }

    [Fact]
    public void WithoutCertificates_WritesNoKeyDescriptor()
    {
        var xml = ServiceProviderMetadataWriter.Write(Sp with { SigningCertificate = null, EncryptionCertificate = null, WantAssertionsSigned = false });
        var document = Parse(xml);

        Assert.Equal(0, document.GetElementsByTagName("KeyDescriptor", Md).Count);
        Assert.Equal("false", ((XmlElement)document.GetElementsByTagName("SPSSODescriptor", Md)[0]!).GetAttribute("WantAssertionsSigned"));
    }

    private static XmlDocument Parse(string xml)
    {
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", xml, StringComparison.Ordinal);
        var document = new XmlDocument { XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
        document.Load(reader);
        return document;
    }

    private static XmlNamespaceManager Namespaces(XmlDocument document)
    {
        var namespaces = new XmlNamespaceManager(document.NameTable);
        namespaces.AddNamespace("md", Md);
        namespaces.AddNamespace("ds", Ds);
        return namespaces;
    }
}
