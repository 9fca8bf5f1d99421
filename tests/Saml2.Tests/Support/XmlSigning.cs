using System.Security.Cryptography.Xml;

namespace KeyPortal.Saml2.Tests.Support;

/// <summary>Signs an element the way identity providers do: enveloped, exclusive c14n, placed right after the Issuer.</summary>
internal static class XmlSigning
{
    public const string RsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    public const string RsaSha1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    public const string EcdsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    public const string Sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
    public const string Sha1 = "http://www.w3.org/2000/09/xmldsig#sha1";

    public static XmlElement Sign(
        XmlElement element,
        X509Certificate2 certificate,
        string signatureMethod = RsaSha256,
        string digestMethod = Sha256,
        bool includeKeyInfo = true,
        string? referenceId = null)
    {
        // Makes SignedXml know ecdsa-sha256 for signing, exactly as the library registers it for verifying.
        EcdsaSignatureDescription.EnsureRegistered();

        var signedXml = new SignedXml(element.OwnerDocument)
        {
            SigningKey = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey(),
        };
        signedXml.SignedInfo!.CanonicalizationMethod = SignedXml.XmlDsigExcC14NTransformUrl;
        signedXml.SignedInfo.SignatureMethod = signatureMethod;

        var reference = new Reference("#" + (referenceId ?? element.GetAttribute("ID"))) { DigestMethod = digestMethod };
        reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
        reference.AddTransform(new XmlDsigExcC14NTransform("xs"));
        signedXml.AddReference(reference);

        if (includeKeyInfo)
        {
            signedXml.KeyInfo.AddClause(new KeyInfoX509Data(certificate));
        }

        signedXml.ComputeSignature();
        var signature = signedXml.GetXml();
        var issuer = element.ChildNodes.OfType<XmlElement>().FirstOrDefault(e => e.LocalName == "Issuer");
        if (issuer is null)
        {
            element.PrependChild(signature);
        }
        else
        {
            element.InsertAfter(signature, issuer);
        }

        return signature;
    }
}
