using System.IO.Compression;
using System.Text;

namespace KeyPortal.Saml2;

/// <summary>Builds an AuthnRequest (SAML core §3.4.1) and sends it with the HTTP-Redirect binding (SAML bindings §3.4).</summary>
public static class AuthnRequestBuilder
{
    /// <summary>SAML bindings §3.4.3: RelayState MUST NOT exceed 80 bytes.</summary>
    public const int MaxRelayStateBytes = 80;

    /// <param name="sp">This service provider.</param>
    /// <param name="identityProviderSsoUrl">The identity provider's HTTP-Redirect SingleSignOnService; its own query is kept.</param>
    /// <param name="relayState">Opaque state the identity provider returns with the Response (at most 80 bytes), or null.</param>
    /// <param name="signingKey">When given, the query is signed with RSA-SHA256 (SAML bindings §3.4.4.1).</param>
    /// <param name="time">The clock for IssueInstant.</param>
    /// <param name="nameIdFormat">The NameIDPolicy Format to ask for, or null for any.</param>
    /// <param name="forceAuthn">Ask the identity provider to authenticate the user afresh (SAML core §3.4.1).</param>
    public static AuthnRequestMessage Create(
        ServiceProviderDescription sp,
        Uri identityProviderSsoUrl,
        string? relayState,
        RSA? signingKey,
        TimeProvider time,
        string? nameIdFormat = null,
        bool forceAuthn = false)
    {
        ArgumentNullException.ThrowIfNull(sp);
        ArgumentNullException.ThrowIfNull(identityProviderSsoUrl);
        ArgumentNullException.ThrowIfNull(time);
        if (!identityProviderSsoUrl.IsAbsoluteUri)
        {
            throw new ArgumentException("The identity provider's single sign-on URL must be absolute.", nameof(identityProviderSsoUrl));
        }

        if (relayState is not null && Encoding.UTF8.GetByteCount(relayState) > MaxRelayStateBytes)
        {
            throw new ArgumentException($"RelayState must not exceed {MaxRelayStateBytes} bytes (SAML bindings §3.4.3).", nameof(relayState));
        }

        // xs:ID must start with a letter or underscore; 128 random bits make it unguessable, which InResponseTo
        // checking relies on.
        var id = "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var xml = RequestXml(sp, identityProviderSsoUrl, id, time.GetUtcNow(), nameIdFormat, forceAuthn);

        // SAML bindings §3.4.4.1: the signature covers exactly SAMLRequest=…&RelayState=…&SigAlg=… in that order,
        // with the values URL-encoded as they are sent, so the string is built once and sent as built.
        var query = new StringBuilder("SAMLRequest=").Append(Uri.EscapeDataString(Deflate(xml)));
        if (relayState is not null)
        {
            query.Append("&RelayState=").Append(Uri.EscapeDataString(relayState));
        }

        if (signingKey is not null)
        {
            query.Append("&SigAlg=").Append(Uri.EscapeDataString(SignatureAlgorithms.RsaSha256));
            var signature = signingKey.SignData(Encoding.UTF8.GetBytes(query.ToString()), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            query.Append("&Signature=").Append(Uri.EscapeDataString(Convert.ToBase64String(signature)));
        }

        var existing = identityProviderSsoUrl.Query.TrimStart('?');
        var url = identityProviderSsoUrl.GetLeftPart(UriPartial.Path) + "?" + (existing.Length > 0 ? existing + "&" : string.Empty) + query;
        return new AuthnRequestMessage(id, new Uri(url));
    }

    private static string RequestXml(ServiceProviderDescription sp, Uri destination, string id, DateTimeOffset now, string? nameIdFormat, bool forceAuthn)
    {
        var builder = new StringBuilder();
        var settings = new XmlWriterSettings { OmitXmlDeclaration = true };
        using (var writer = XmlWriter.Create(builder, settings))
        {
            writer.WriteStartElement("samlp", "AuthnRequest", SamlNames.Protocol);
            writer.WriteAttributeString("xmlns", "saml", null, SamlNames.Assertion);
            writer.WriteAttributeString("ID", id);
            writer.WriteAttributeString("Version", SamlNames.Version);
            writer.WriteAttributeString("IssueInstant", SamlTime.Format(now));
            // SAML bindings §3.4.5.2: Destination is required when the request is signed; it costs nothing otherwise.
            writer.WriteAttributeString("Destination", destination.AbsoluteUri);
            if (forceAuthn)
            {
                writer.WriteAttributeString("ForceAuthn", "true");
            }

            writer.WriteAttributeString("AssertionConsumerServiceURL", sp.AssertionConsumerServiceUrl.AbsoluteUri);
            writer.WriteAttributeString("ProtocolBinding", SamlNames.HttpPostBinding);
            writer.WriteElementString("saml", "Issuer", SamlNames.Assertion, sp.EntityId);
            writer.WriteStartElement("samlp", "NameIDPolicy", SamlNames.Protocol);
            if (nameIdFormat is not null)
            {
                writer.WriteAttributeString("Format", nameIdFormat);
            }

            writer.WriteAttributeString("AllowCreate", "true");
            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        return builder.ToString();
    }

    /// <summary>SAML bindings §3.4.4.1: DEFLATE (RFC 1951, no zlib header), then base64.</summary>
    private static string Deflate(string xml)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal))
        {
            deflate.Write(Encoding.UTF8.GetBytes(xml));
        }

        return Convert.ToBase64String(output.ToArray());
    }
}
