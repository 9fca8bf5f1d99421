using System.Security.Cryptography.Xml;

namespace KeyPortal.Saml2;

/// <summary>
/// SignedXml that resolves a reference only when exactly one element in the whole document carries the ID (under
/// any of the names in <see cref="XmlIds"/>), as Sustainsys.Saml2 does, and remembers which element that was. The
/// default resolver falls back to other names and to ds:Object content; both have been used for wrapping attacks.
/// </summary>
internal sealed class StrictSignedXml(XmlDocument document) : SignedXml(document)
{
    /// <summary>The element the reference resolved to during the last check; compared by identity afterwards.</summary>
    public XmlElement? ReferencedElement { get; private set; }

    public override XmlElement? GetIdElement(XmlDocument? document, string idValue)
    {
        ArgumentNullException.ThrowIfNull(document);

        var (count, element) = XmlIds.Find(document, idValue);
        if (count != 1 || element is null)
        {
            // Throw rather than return null: on null, SignedXml goes on to search the signature's own ds:Object
            // elements, which is exactly where a wrapping attack hides the original signed content.
            throw new CryptographicException("The signature reference does not resolve to exactly one element.");
        }

        ReferencedElement = element;
        return element;
    }
}
