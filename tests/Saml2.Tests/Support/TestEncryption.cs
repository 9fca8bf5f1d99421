using System.Security.Cryptography.Xml;
using System.Text;

namespace KeyPortal.Saml2.Tests.Support;

/// <summary>Replaces a signed assertion by a saml:EncryptedAssertion for the service provider's certificate.</summary>
internal static class TestEncryption
{
    public const string XmlEnc = "http://www.w3.org/2001/04/xmlenc#";
    public const string Aes128Gcm = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
    public const string Aes256Gcm = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
    public const string RsaOaepMgf1p = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
    public const string RsaOaep11 = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
    public const string Rsa15 = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";

    /// <summary>AES-256-CBC with RSA-OAEP (mgf1p), made by the framework's own EncryptedXml: an independent implementation.</summary>
    public static void EncryptAes256Cbc(XmlDocument response, X509Certificate2 recipient)
    {
        var assertion = SamlResponseBuilder.AssertionOf(response);
        using var aes = Aes.Create();
        aes.KeySize = 256;
        using var rsa = recipient.GetRSAPublicKey()!;

        var encryptedKey = new EncryptedKey
        {
            EncryptionMethod = new EncryptionMethod(EncryptedXml.XmlEncRSAOAEPUrl),
            CipherData = new CipherData(EncryptedXml.EncryptKey(aes.Key, rsa, useOAEP: true)),
        };
        var encryptedData = new EncryptedData
        {
            Type = EncryptedXml.XmlEncElementUrl,
            EncryptionMethod = new EncryptionMethod(EncryptedXml.XmlEncAES256Url),
            CipherData = new CipherData(new EncryptedXml().EncryptData(assertion, aes, content: false)),
        };
        encryptedData.KeyInfo.AddClause(new KeyInfoEncryptedKey(encryptedKey));

        Replace(assertion, encryptedData.GetXml());
    }

    /// <summary>AES-GCM per XML Encryption 1.1 §5.2.4 (nonce || ciphertext || tag), written by hand: EncryptedXml has no GCM.</summary>
    public static void EncryptAesGcm(
        XmlDocument response,
        X509Certificate2 recipient,
        string dataAlgorithm = Aes256Gcm,
        string keyTransport = RsaOaepMgf1p,
        bool oaepSha256 = false,
        Action<byte[]>? tamper = null,
        Func<string, string>? serialized = null)
    {
        var assertion = SamlResponseBuilder.AssertionOf(response);
        var key = RandomNumberGenerator.GetBytes(dataAlgorithm == Aes128Gcm ? 16 : 32);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var plain = Encoding.UTF8.GetBytes(serialized is null ? assertion.OuterXml : serialized(assertion.OuterXml));
        var cipher = new byte[plain.Length];
        var tag = new byte[16];
        using (var gcm = new AesGcm(key, 16))
        {
            gcm.Encrypt(nonce, plain, cipher, tag);
        }

        var data = nonce.Concat(cipher).Concat(tag).ToArray();
        tamper?.Invoke(data);

        using var rsa = recipient.GetRSAPublicKey()!;
        var padding = keyTransport == Rsa15 ? RSAEncryptionPadding.Pkcs1
            : oaepSha256 ? RSAEncryptionPadding.OaepSHA256
            : RSAEncryptionPadding.OaepSHA1;
        var wrappedKey = rsa.Encrypt(key, padding);
        var oaepParameters = oaepSha256
            ? """<ds:DigestMethod xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"/>"""
            : string.Empty;

        var xml = $"""
            <xenc:EncryptedData xmlns:xenc="{XmlEnc}" Type="http://www.w3.org/2001/04/xmlenc#Element">
              <xenc:EncryptionMethod Algorithm="{dataAlgorithm}"/>
              <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
                <xenc:EncryptedKey>
                  <xenc:EncryptionMethod Algorithm="{keyTransport}">{oaepParameters}</xenc:EncryptionMethod>
                  <xenc:CipherData><xenc:CipherValue>{Convert.ToBase64String(wrappedKey)}</xenc:CipherValue></xenc:CipherData>
                </xenc:EncryptedKey>
              </ds:KeyInfo>
              <xenc:CipherData><xenc:CipherValue>{Convert.ToBase64String(data)}</xenc:CipherValue></xenc:CipherData>
            </xenc:EncryptedData>
            """;
        var fragment = new XmlDocument { PreserveWhitespace = true };
        fragment.LoadXml(xml);
        Replace(assertion, fragment.DocumentElement!);
    }

    private static void Replace(XmlElement assertion, XmlElement encryptedData)
    {
        var document = assertion.OwnerDocument;
        var encryptedAssertion = document.CreateElement("saml", "EncryptedAssertion", SamlResponseBuilder.Assertion);
        encryptedAssertion.AppendChild(document.ImportNode(encryptedData, deep: true));
        assertion.ParentNode!.ReplaceChild(encryptedAssertion, assertion);
    }
}
