using System.Security.Cryptography.Xml;

namespace KeyPortal.Saml2;

/// <summary>The explicit allow-lists of XML-DSig algorithms, per SAML core §5.4 and RFC 6931 identifiers.</summary>
internal static class SignatureAlgorithms
{
    public const string RsaSha1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    public const string RsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    public const string RsaSha384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
    public const string RsaSha512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
    public const string EcdsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    public const string EcdsaSha384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
    public const string EcdsaSha512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512";

    public const string Sha1 = "http://www.w3.org/2000/09/xmldsig#sha1";
    public const string Sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
    public const string Sha384 = "http://www.w3.org/2001/04/xmldsig-more#sha384";
    public const string Sha512 = "http://www.w3.org/2001/04/xmlenc#sha512";

    /// <summary>
    /// Exclusive c14n WITHOUT comments only, for both SignedInfo and the reference (SAML core §5.4.3 recommends it).
    /// The with-comments variants are refused: they make comments signed content, which only helps an attacker
    /// who wants text that differs between the signed form and the naive reading.
    /// </summary>
    public const string ExclusiveC14N = SignedXml.XmlDsigExcC14NTransformUrl;

    public const string EnvelopedSignature = SignedXml.XmlDsigEnvelopedSignatureTransformUrl;

    public static bool IsStrongSignature(string? algorithm) =>
        algorithm is RsaSha256 or RsaSha384 or RsaSha512 or EcdsaSha256 or EcdsaSha384 or EcdsaSha512;

    public static bool IsStrongDigest(string? algorithm) => algorithm is Sha256 or Sha384 or Sha512;

    public static bool IsEcdsa(string? algorithm) => algorithm is EcdsaSha256 or EcdsaSha384 or EcdsaSha512;
}
