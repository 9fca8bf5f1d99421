using System.Text;

namespace KeyPortal.Saml2;

/// <summary>Writes this service provider's metadata (SAML metadata §2.4.4) for identity provider administrators to import.</summary>
public static class ServiceProviderMetadataWriter
{
    /// <summary>
    /// The data encryption and key transport algorithms <see cref="ResponseValidator"/> decrypts, strongest first.
    /// Listed in the encryption KeyDescriptor (SAML metadata §2.4.1.1) so identity providers pick one we accept,
    /// rather than, say, RSA PKCS#1 v1.5 which we refuse.
    /// </summary>
    private static readonly string[] EncryptionMethods =
    [
        EncryptionAlgorithms.Aes256Gcm,
        EncryptionAlgorithms.Aes128Gcm,
        EncryptionAlgorithms.Aes256Cbc,
        EncryptionAlgorithms.Aes128Cbc,
        EncryptionAlgorithms.RsaOaep,
        EncryptionAlgorithms.RsaOaepMgf1p,
    ];

    /// <summary>An md:EntityDescriptor with one SPSSODescriptor, as UTF-8 XML text.</summary>
    public static string Write(ServiceProviderDescription sp)
    {
        ArgumentNullException.ThrowIfNull(sp);
        ArgumentException.ThrowIfNullOrWhiteSpace(sp.EntityId);
        ArgumentNullException.ThrowIfNull(sp.AssertionConsumerServiceUrl);

        using var stream = new MemoryStream();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), Indent = true };
        using (var writer = XmlWriter.Create(stream, settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("md", "EntityDescriptor", SamlNames.Metadata);
            writer.WriteAttributeString("xmlns", "ds", null, SamlNames.XmlDsig);
            writer.WriteAttributeString("entityID", sp.EntityId);

            // Element order is the schema's: RoleDescriptorType (KeyDescriptor), SSODescriptorType
            // (SingleLogoutService, NameIDFormat), then SPSSODescriptorType (AssertionConsumerService).
            writer.WriteStartElement("md", "SPSSODescriptor", SamlNames.Metadata);
            writer.WriteAttributeString("AuthnRequestsSigned", sp.AuthnRequestsSigned ? "true" : "false");
            writer.WriteAttributeString("WantAssertionsSigned", sp.WantAssertionsSigned ? "true" : "false");
            writer.WriteAttributeString("protocolSupportEnumeration", SamlNames.Protocol);

            if (sp.SigningCertificate is { } signing)
            {
                WriteKeyDescriptor(writer, "signing", signing, []);
            }

            if (sp.EncryptionCertificate is { } encryption)
            {
                WriteKeyDescriptor(writer, "encryption", encryption, EncryptionMethods);
            }

            if (sp.SingleLogoutServiceUrl is { } logout)
            {
                writer.WriteStartElement("md", "SingleLogoutService", SamlNames.Metadata);
                writer.WriteAttributeString("Binding", SamlNames.HttpRedirectBinding);
                writer.WriteAttributeString("Location", logout.AbsoluteUri);
                writer.WriteEndElement();
            }

            foreach (var format in sp.NameIdFormats ?? [])
            {
                writer.WriteElementString("md", "NameIDFormat", SamlNames.Metadata, format);
            }

            writer.WriteStartElement("md", "AssertionConsumerService", SamlNames.Metadata);
            writer.WriteAttributeString("Binding", SamlNames.HttpPostBinding);
            writer.WriteAttributeString("Location", sp.AssertionConsumerServiceUrl.AbsoluteUri);
            writer.WriteAttributeString("index", "0");
            writer.WriteAttributeString("isDefault", "true");
            writer.WriteEndElement();

            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The certificate's DER encoding only (<see cref="X509Certificate.RawData"/>): never a private key.</summary>
    private static void WriteKeyDescriptor(XmlWriter writer, string use, X509Certificate2 certificate, IEnumerable<string> encryptionMethods)
    {
        writer.WriteStartElement("md", "KeyDescriptor", SamlNames.Metadata);
        writer.WriteAttributeString("use", use);
        writer.WriteStartElement("ds", "KeyInfo", SamlNames.XmlDsig);
        writer.WriteStartElement("ds", "X509Data", SamlNames.XmlDsig);
        writer.WriteElementString("ds", "X509Certificate", SamlNames.XmlDsig, Convert.ToBase64String(certificate.RawData));
        writer.WriteEndElement();
        writer.WriteEndElement();
        foreach (var method in encryptionMethods)
        {
            writer.WriteStartElement("md", "EncryptionMethod", SamlNames.Metadata);
            writer.WriteAttributeString("Algorithm", method);
            writer.WriteEndElement();
        }

        writer.WriteEndElement();
    }
}
