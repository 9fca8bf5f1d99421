namespace KeyPortal.Saml2;

/// <summary>
/// Element navigation by namespace and local name over DIRECT children only. No XPath and no descendant search:
/// signature-wrapping attacks work by planting a second element of the same name somewhere else in the tree, so
/// every lookup here is anchored to a parent whose identity has been checked.
/// </summary>
internal static class XmlElements
{
    public static List<XmlElement> Children(this XmlElement parent, string ns, string localName)
    {
        var found = new List<XmlElement>();
        for (var child = parent.FirstChild; child is not null; child = child.NextSibling)
        {
            if (child is XmlElement element && element.LocalName == localName && element.NamespaceURI == ns)
            {
                found.Add(element);
            }
        }

        return found;
    }

    /// <summary>The one child of that name; null when there is none. <paramref name="several"/> reports more than one.</summary>
    public static XmlElement? SingleChild(this XmlElement parent, string ns, string localName, out bool several)
    {
        var children = parent.Children(ns, localName);
        several = children.Count > 1;
        return children.Count == 1 ? children[0] : null;
    }

    public static bool Is(this XmlElement element, string ns, string localName) =>
        element.LocalName == localName && element.NamespaceURI == ns;

    /// <summary>An attribute without namespace, or null when absent (an empty attribute is present and empty).</summary>
    public static string? AttributeOrNull(this XmlElement element, string name) =>
        element.GetAttributeNode(name)?.Value;

    /// <summary>Every element of the tree, in document order, walked without recursion (see <see cref="SecureXml.MaxDepth"/>).</summary>
    public static IEnumerable<XmlElement> DescendantsAndSelf(this XmlElement root) =>
        NodesInDocumentOrder(root).OfType<XmlElement>();

    private static IEnumerable<XmlNode> NodesInDocumentOrder(XmlNode root)
    {
        XmlNode? node = root;
        while (node is not null)
        {
            yield return node;

            if (node.FirstChild is not null)
            {
                node = node.FirstChild;
                continue;
            }

            while (node is not null && node != root && node.NextSibling is null)
            {
                node = node.ParentNode;
            }

            node = node is null || node == root ? null : node.NextSibling;
        }
    }

    /// <summary>
    /// The text of a simple-content element (NameID, Issuer, Audience), read strictly: exactly one text child.
    /// A comment splits the text into several nodes while canonicalization (xml-exc-c14n without comments, which
    /// the signature is computed over) joins them again, so <c>alice@x&lt;!----&gt;.evil</c> is signed as
    /// "alice@x.evil" but naive readers return "alice@x". Refusing anything but a single text node closes that gap.
    /// </summary>
    public static bool TryReadSimpleText(this XmlElement element, out string text)
    {
        text = string.Empty;
        var child = element.FirstChild;
        if (child is null || child.NextSibling is not null)
        {
            return false;
        }

        if (child.NodeType is not (XmlNodeType.Text or XmlNodeType.CDATA))
        {
            return false;
        }

        text = child.Value ?? string.Empty;
        return true;
    }

    /// <summary>All descendant character data joined, comments and processing instructions left out: the same text c14n signs.</summary>
    public static string DescendantText(this XmlElement element)
    {
        var text = new System.Text.StringBuilder();
        foreach (var node in NodesInDocumentOrder(element))
        {
            if (node.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)
            {
                text.Append(node.Value);
            }
        }

        return text.ToString();
    }
}
