namespace KeyPortal.Saml2;

/// <summary>
/// ID attributes across a whole document. SAML uses <c>ID</c>; XML-DSig resolvers also honour <c>Id</c>, <c>id</c>
/// and (SAML 1.1) <c>AssertionID</c>, so all of them count when deciding whether a value is unique: a reference must
/// resolve to one element whatever name a resolver looks under.
/// </summary>
internal static class XmlIds
{
    private static bool IsIdAttribute(XmlAttribute attribute) =>
        attribute.LocalName is "ID" or "Id" or "id" or "AssertionID"
        && attribute.NamespaceURI != "http://www.w3.org/2000/xmlns/";

    private static IEnumerable<(string Value, XmlElement Element)> All(XmlDocument document)
    {
        if (document.DocumentElement is null)
        {
            yield break;
        }

        foreach (var element in document.DocumentElement.DescendantsAndSelf())
        {
            foreach (XmlAttribute attribute in element.Attributes)
            {
                if (IsIdAttribute(attribute))
                {
                    yield return (attribute.Value, element);
                }
            }
        }
    }

    /// <summary>A value carried by two ID attributes (on two elements, or twice on one), or null when all are unique.</summary>
    public static string? FindDuplicate(XmlDocument document)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (value, _) in All(document))
        {
            if (!seen.Add(value))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>How many ID attributes carry the value, and the element when there is exactly one.</summary>
    public static (int Count, XmlElement? Element) Find(XmlDocument document, string id)
    {
        var count = 0;
        XmlElement? found = null;
        foreach (var (value, element) in All(document))
        {
            if (string.Equals(value, id, StringComparison.Ordinal))
            {
                count++;
                found = element;
            }
        }

        return (count, count == 1 ? found : null);
    }
}
