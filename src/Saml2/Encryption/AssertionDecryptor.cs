namespace KeyPortal.Saml2;

/// <summary>
/// Decrypts a saml:EncryptedAssertion (SAML core §2.3.4) with System.Security.Cryptography directly. EncryptedXml
/// knows neither AES-GCM nor the XML Encryption 1.1 OAEP parameters, and it will also decrypt RSA PKCS#1 v1.5, which
/// we refuse. Every failure is reported alike, so the response does not become an oracle for the ciphertext.
/// </summary>
internal static class AssertionDecryptor
{
    private const int GcmNonceBytes = 12;
    private const int GcmTagBytes = 16;
    private const int AesBlockBytes = 16;

    /// <summary>Replaces <paramref name="encryptedAssertion"/> in its document by the decrypted saml:Assertion.</summary>
    private const string UndecryptableDetail = "The encrypted assertion could not be decrypted with the configured key.";

    public static (XmlElement? Assertion, string? Failure) DecryptInPlace(XmlElement encryptedAssertion, X509Certificate2 certificate, int maxBytes)
    {
        using var key = certificate.GetRSAPrivateKey();
        if (key is null)
        {
            return (null, "The decryption certificate has no RSA private key.");
        }

        var encryptedData = encryptedAssertion.SingleChild(SamlNames.XmlEnc, "EncryptedData", out _);
        if (encryptedData is null)
        {
            return (null, "The EncryptedAssertion has no single EncryptedData.");
        }

        var type = encryptedData.AttributeOrNull("Type");
        if (type is not null && type != EncryptionAlgorithms.ElementType)
        {
            return (null, "The EncryptedData is not an encrypted element.");
        }

        var algorithm = EncryptionAlgorithms.DataAlgorithm(AlgorithmOf(encryptedData));
        if (algorithm is null)
        {
            return (null, "The data encryption algorithm is not one of AES-CBC or AES-GCM.");
        }

        var cipherText = CipherValue(encryptedData);
        if (cipherText is null)
        {
            return (null, "The EncryptedData has no inline CipherValue.");
        }

        var plainText = DecryptKeyCandidates(encryptedAssertion, encryptedData, key, algorithm.Value.KeyBytes)
            .Select(contentKey => DecryptData(cipherText, contentKey, algorithm.Value.Gcm))
            .FirstOrDefault(p => p is not null);
        // One answer for every way decryption can fail (bad padding, wrong key, content that is
        // not an assertion): a different word for each would be a padding oracle on AES-CBC.
        if (plainText is null)
        {
            return (null, UndecryptableDetail);
        }

        var loaded = SecureXml.LoadInContext(plainText, maxBytes, encryptedAssertion);
        if (loaded.Document?.DocumentElement is not { } decrypted || !decrypted.Is(SamlNames.Assertion, "Assertion"))
        {
            return (null, UndecryptableDetail);
        }

        var assertion = (XmlElement)encryptedAssertion.OwnerDocument.ImportNode(decrypted, deep: true);
        encryptedAssertion.ParentNode!.ReplaceChild(assertion, encryptedAssertion);
        return (assertion, null);
    }

    private static string? AlgorithmOf(XmlElement parent) =>
        parent.SingleChild(SamlNames.XmlEnc, "EncryptionMethod", out _)?.AttributeOrNull("Algorithm");

    private static byte[]? CipherValue(XmlElement parent)
    {
        var value = parent.SingleChild(SamlNames.XmlEnc, "CipherData", out _)?.SingleChild(SamlNames.XmlEnc, "CipherValue", out _);
        if (value is null)
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(value.DescendantText());
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// The content keys that the EncryptedKeys decrypt to (SAML core §2.3.4 allows the EncryptedKey inside
    /// EncryptedData's KeyInfo or beside EncryptedData; there may be one per recipient), of the right length only.
    /// </summary>
    private static IEnumerable<byte[]> DecryptKeyCandidates(XmlElement encryptedAssertion, XmlElement encryptedData, RSA key, int keyBytes)
    {
        var encryptedKeys = (encryptedData.SingleChild(SamlNames.XmlDsig, "KeyInfo", out _)?.Children(SamlNames.XmlEnc, "EncryptedKey") ?? [])
            .Concat(encryptedAssertion.Children(SamlNames.XmlEnc, "EncryptedKey"))
            .Take(4);

        foreach (var encryptedKey in encryptedKeys)
        {
            var padding = OaepPadding(encryptedKey);
            var wrapped = CipherValue(encryptedKey);
            if (padding is null || wrapped is null)
            {
                continue;
            }

            byte[] contentKey;
            try
            {
                contentKey = key.Decrypt(wrapped, padding);
            }
            catch (CryptographicException)
            {
                continue;
            }

            if (contentKey.Length == keyBytes)
            {
                yield return contentKey;
            }
        }
    }

    /// <summary>
    /// RSA-OAEP only. <c>rsa-oaep-mgf1p</c> fixes MGF1 with SHA-1 (XML Encryption §5.4.2), so only a SHA-1 digest can
    /// be honoured; XML Encryption 1.1 <c>rsa-oaep</c> names digest and MGF separately, and .NET pairs them, so they
    /// must agree. OAEP labels (OAEPparams) are not supported by .NET and are refused.
    /// </summary>
    private static RSAEncryptionPadding? OaepPadding(XmlElement encryptedKey)
    {
        var method = encryptedKey.SingleChild(SamlNames.XmlEnc, "EncryptionMethod", out _);
        if (method is null || method.Children(SamlNames.XmlEnc, "OAEPparams").Count > 0)
        {
            return null;
        }

        var digest = EncryptionAlgorithms.Digest(method.SingleChild(SamlNames.XmlDsig, "DigestMethod", out _)?.AttributeOrNull("Algorithm"));
        switch (method.AttributeOrNull("Algorithm"))
        {
            case EncryptionAlgorithms.RsaOaepMgf1p when digest == HashAlgorithmName.SHA1:
                return RSAEncryptionPadding.OaepSHA1;
            case EncryptionAlgorithms.RsaOaep:
                var mgf = EncryptionAlgorithms.Mgf(method.SingleChild(SamlNames.XmlEnc11, "MGF", out _)?.AttributeOrNull("Algorithm"));
                return digest is { } d && mgf == d ? RSAEncryptionPadding.CreateOaep(d) : null;
            default:
                return null;
        }
    }

    private static byte[]? DecryptData(byte[] cipherText, byte[] key, bool gcm)
    {
        try
        {
            return gcm ? DecryptGcm(cipherText, key) : DecryptCbc(cipherText, key);
        }
        catch (CryptographicException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>XML Encryption 1.1 §5.2.4: the 96-bit nonce precedes the ciphertext, the 128-bit tag follows it.</summary>
    private static byte[]? DecryptGcm(byte[] data, byte[] key)
    {
        if (!AesGcm.IsSupported || data.Length < GcmNonceBytes + GcmTagBytes)
        {
            return null;
        }

        var nonce = data.AsSpan(0, GcmNonceBytes);
        var tag = data.AsSpan(data.Length - GcmTagBytes);
        var cipherText = data.AsSpan(GcmNonceBytes, data.Length - GcmNonceBytes - GcmTagBytes);
        var plainText = new byte[cipherText.Length];
        using var aes = new AesGcm(key, GcmTagBytes);
        aes.Decrypt(nonce, cipherText, tag, plainText);
        return plainText;
    }

    /// <summary>
    /// XML Encryption §5.2: the IV precedes the ciphertext, and the padding's last octet gives its length while the
    /// other padding octets are arbitrary (so not PKCS#7). CBC has no integrity; the signature inside the assertion
    /// is what protects it, and GCM should be preferred by identity providers that support it.
    /// </summary>
    private static byte[]? DecryptCbc(byte[] data, byte[] key)
    {
        if (data.Length < 2 * AesBlockBytes || data.Length % AesBlockBytes != 0)
        {
            return null;
        }

        using var aes = Aes.Create();
        aes.Key = key;
        var padded = aes.DecryptCbc(data.AsSpan(AesBlockBytes), data.AsSpan(0, AesBlockBytes), PaddingMode.None);
        var padding = padded[^1];
        if (padding is 0 or > AesBlockBytes)
        {
            return null;
        }

        return padded[..^padding];
    }
}
