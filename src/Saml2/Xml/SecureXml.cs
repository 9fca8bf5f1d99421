using System.Text;

namespace KeyPortal.Saml2;

/// <summary>Why a document could not be loaded. Callers turn this into their own refusal or error code.</summary>
internal enum XmlLoadFailure
{
    None,
    TooLarge,
    DoctypeNotAllowed,
    Malformed,
}

/// <summary>The outcome of <see cref="SecureXml.Load(byte[], int)"/>: a document, or a failure with a reason safe to show.</summary>
internal sealed record XmlLoadResult(XmlDocument? Document, XmlLoadFailure Failure, string? Detail)
{
    public static XmlLoadResult Failed(XmlLoadFailure failure, string detail) => new(null, failure, detail);
}

/// <summary>
/// Loads untrusted XML (responses, metadata, decrypted assertions) with every feature that has been used to attack
/// SAML implementations turned off: no DTD (so no entity expansion and no external entity), no resolver, bounded
/// size and bounded depth.
/// </summary>
internal static class SecureXml
{
    /// <summary>
    /// SAML messages nest about ten levels deep. Canonicalization and XPath in System.Security.Cryptography.Xml
    /// recurse over the tree, so a deeply nested document could exhaust the stack, which no catch block survives.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// The message XmlReader gives when DtdProcessing.Prohibit meets a DOCTYPE. XmlException carries no code, so the
    /// exact text is taken once from the framework itself (not written here), which keeps the match exact in every
    /// culture the framework is localised for.
    /// </summary>
    private static readonly string DtdProhibitedMessage = CaptureDtdProhibitedMessage();

    public static XmlReaderSettings ReaderSettings(long maxCharacters) => new()
    {
        // Prohibit, not Ignore: a DOCTYPE is refused outright rather than skipped, so that nobody ever has to reason
        // about what an ignored internal subset might have meant.
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        // 0 would mean "no limit" (XmlReaderSettings docs). No entity can be declared without a DTD, so any small
        // bound is defence in depth; the five predefined entities and character references do not count against it.
        MaxCharactersFromEntities = 1,
        MaxCharactersInDocument = maxCharacters,
        CloseInput = true,
    };

    /// <summary>Loads bytes as they arrived, so the XML declaration's encoding is honoured exactly as the signer meant.</summary>
    public static XmlLoadResult Load(byte[] xml, int maxBytes)
    {
        if (xml.Length > maxBytes)
        {
            return XmlLoadResult.Failed(XmlLoadFailure.TooLarge, $"The document has {xml.Length} bytes; at most {maxBytes} are accepted.");
        }

        return Load(XmlReader.Create(new MemoryStream(xml, writable: false), ReaderSettings(maxBytes)));
    }

    /// <summary>Loads text (metadata pasted or downloaded by an administrator); the limit counts UTF-8 bytes.</summary>
    public static XmlLoadResult Load(string xml, int maxBytes)
    {
        // A char is at least one UTF-8 byte, so the cheap length check refuses most oversized input before counting.
        if (xml.Length > maxBytes || Encoding.UTF8.GetByteCount(xml) > maxBytes)
        {
            return XmlLoadResult.Failed(XmlLoadFailure.TooLarge, $"The document is larger than {maxBytes} bytes.");
        }

        return Load(XmlReader.Create(new StringReader(xml), ReaderSettings(maxBytes)));
    }

    /// <summary>Parses an element fragment (a decrypted assertion) in the namespace context of the element it replaces.</summary>
    public static XmlLoadResult LoadInContext(byte[] xml, int maxBytes, XmlElement context)
    {
        if (xml.Length > maxBytes)
        {
            return XmlLoadResult.Failed(XmlLoadFailure.TooLarge, "The decrypted content is too large.");
        }

        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        var namespaces = new XmlNamespaceManager(document.NameTable);
        foreach (var (prefix, uri) in InScopeNamespaces(context))
        {
            namespaces.AddNamespace(prefix, uri);
        }

        var parserContext = new XmlParserContext(document.NameTable, namespaces, xmlLang: null, XmlSpace.None);
        return Load(XmlReader.Create(new MemoryStream(xml, writable: false), ReaderSettings(maxBytes), parserContext), document);
    }

    private static XmlLoadResult Load(XmlReader reader, XmlDocument? into = null)
    {
        var document = into ?? new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        try
        {
            using (reader)
            {
                // PreserveWhitespace: the signer canonicalised the whitespace too; dropping it breaks valid signatures.
                document.Load(reader);
            }
        }
        catch (XmlException e) when (e.Message == DtdProhibitedMessage)
        {
            return XmlLoadResult.Failed(XmlLoadFailure.DoctypeNotAllowed, "The document has a DOCTYPE; DTDs are not allowed.");
        }
        catch (XmlException e)
        {
            return XmlLoadResult.Failed(XmlLoadFailure.Malformed, $"The document is not well-formed XML (line {e.LineNumber}, position {e.LinePosition}).");
        }

        if (document.DocumentElement is null)
        {
            return XmlLoadResult.Failed(XmlLoadFailure.Malformed, "The document has no root element.");
        }

        if (DepthOf(document.DocumentElement) > MaxDepth)
        {
            return XmlLoadResult.Failed(XmlLoadFailure.Malformed, $"The document nests deeper than {MaxDepth} levels.");
        }

        return new XmlLoadResult(document, XmlLoadFailure.None, null);
    }

    /// <summary>Depth of the element tree, walked without recursion for the reason given on <see cref="MaxDepth"/>.</summary>
    internal static int DepthOf(XmlElement root)
    {
        var deepest = 0;
        var pending = new Stack<(XmlNode Node, int Depth)>();
        pending.Push((root, 1));
        while (pending.Count > 0)
        {
            var (node, depth) = pending.Pop();
            deepest = Math.Max(deepest, depth);
            if (deepest > MaxDepth)
            {
                return deepest;
            }

            for (var child = node.FirstChild; child is not null; child = child.NextSibling)
            {
                if (child.NodeType == XmlNodeType.Element)
                {
                    pending.Push((child, depth + 1));
                }
            }
        }

        return deepest;
    }

    private static IEnumerable<(string Prefix, string Uri)> InScopeNamespaces(XmlElement element)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (XmlNode? node = element; node is XmlElement current; node = node.ParentNode)
        {
            foreach (XmlAttribute attribute in current.Attributes)
            {
                if (attribute.NamespaceURI != "http://www.w3.org/2000/xmlns/")
                {
                    continue;
                }

                var prefix = attribute.Prefix.Length == 0 ? string.Empty : attribute.LocalName;
                if (seen.Add(prefix) && !(prefix.Length == 0 && attribute.Value.Length == 0))
                {
                    yield return (prefix, attribute.Value);
                }
            }
        }
    }

    private static string CaptureDtdProhibitedMessage()
    {
        try
        {
            using var reader = XmlReader.Create(new StringReader("<!DOCTYPE a><a/>"), ReaderSettings(1024));
            while (reader.Read())
            {
            }
        }
        catch (XmlException e)
        {
            return e.Message;
        }

        throw new InvalidOperationException("XmlReader accepted a DOCTYPE with DtdProcessing.Prohibit.");
    }
}
