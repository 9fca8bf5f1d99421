using System.Xml;
using System.Xml.Linq;

namespace KeyPortal.TestSupport.Peers;

/// <summary>The SAML metadata of the service provider an identity provider peer trusts, as a file the peer reads on each request.</summary>
internal static class ServiceProviderMetadata
{
    private static readonly XNamespace Md = "urn:oasis:names:tc:SAML:2.0:metadata";

    /// <summary>The metadata the options give, or a minimal one (entity id and HTTP-POST assertion consumer service).</summary>
    public static string From(SamlIdpOptions options) =>
        options.ServiceProviderMetadataXml ?? Minimal(options.ServiceProviderEntityId, options.AssertionConsumerServiceUrl);

    public static string Minimal(string entityId, Uri assertionConsumerServiceUrl) =>
        new XDocument(
            new XElement(Md + "EntityDescriptor",
                new XAttribute(XNamespace.Xmlns + "md", Md.NamespaceName),
                new XAttribute("entityID", entityId),
                new XElement(Md + "SPSSODescriptor",
                    new XAttribute("protocolSupportEnumeration", "urn:oasis:names:tc:SAML:2.0:protocol"),
                    new XElement(Md + "NameIDFormat", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
                    new XElement(Md + "AssertionConsumerService",
                        new XAttribute("Binding", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"),
                        new XAttribute("Location", assertionConsumerServiceUrl.AbsoluteUri),
                        new XAttribute("index", "0"))))).ToString();

    /// <summary>
    /// Writes the metadata to <paramref name="path"/> in one step (a new file renamed over the old
    /// one), so that a peer reading it mid-update sees the old or the new metadata, never half.
    /// </summary>
    public static async Task WriteAsync(string path, string metadataXml)
    {
        EntityIdOf(metadataXml);
        var next = path + ".next";
        await File.WriteAllTextAsync(next, metadataXml);
        File.Move(next, path, overwrite: true);
    }

    /// <summary>The entityID of the SP metadata; throws when the XML is no such metadata, before a peer is confused by it.</summary>
    public static string EntityIdOf(string metadataXml)
    {
        XDocument document;
        try
        {
            document = XDocument.Parse(metadataXml);
        }
        catch (XmlException exception)
        {
            throw new ArgumentException($"The service provider's metadata is not XML: {exception.Message}", nameof(metadataXml), exception);
        }

        var descriptor = document.Root?.Name == Md + "EntityDescriptor"
            ? document.Root
            : document.Descendants(Md + "EntityDescriptor").FirstOrDefault(e => e.Element(Md + "SPSSODescriptor") is not null);
        if (descriptor?.Element(Md + "SPSSODescriptor") is null || descriptor.Attribute("entityID") is not { } entityId)
        {
            throw new ArgumentException("The service provider's metadata has no EntityDescriptor with an entityID and an SPSSODescriptor.", nameof(metadataXml));
        }

        return entityId.Value;
    }
}
