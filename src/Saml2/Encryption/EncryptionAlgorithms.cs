namespace KeyPortal.Saml2;

/// <summary>XML Encryption 1.0 / 1.1 identifiers this library decrypts, and the ones it refuses on purpose.</summary>
internal static class EncryptionAlgorithms
{
    public const string ElementType = "http://www.w3.org/2001/04/xmlenc#Element";

    public const string Aes128Cbc = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
    public const string Aes192Cbc = "http://www.w3.org/2001/04/xmlenc#aes192-cbc";
    public const string Aes256Cbc = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
    public const string Aes128Gcm = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
    public const string Aes192Gcm = "http://www.w3.org/2009/xmlenc11#aes192-gcm";
    public const string Aes256Gcm = "http://www.w3.org/2009/xmlenc11#aes256-gcm";

    public const string RsaOaepMgf1p = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
    public const string RsaOaep = "http://www.w3.org/2009/xmlenc11#rsa-oaep";

    /// <summary>RSA PKCS#1 v1.5 key transport: refused, it is open to Bleichenbacher's padding oracle (XML Encryption 1.1 §5.5.1).</summary>
    public const string Rsa15 = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";

    public const string Mgf1Sha1 = "http://www.w3.org/2009/xmlenc11#mgf1sha1";
    public const string Mgf1Sha256 = "http://www.w3.org/2009/xmlenc11#mgf1sha256";
    public const string Mgf1Sha384 = "http://www.w3.org/2009/xmlenc11#mgf1sha384";
    public const string Mgf1Sha512 = "http://www.w3.org/2009/xmlenc11#mgf1sha512";

    /// <summary>Key length in bytes and whether the mode is GCM, for a data encryption algorithm; null when not supported.</summary>
    public static (int KeyBytes, bool Gcm)? DataAlgorithm(string? algorithm) => algorithm switch
    {
        Aes128Cbc => (16, false),
        Aes192Cbc => (24, false),
        Aes256Cbc => (32, false),
        Aes128Gcm => (16, true),
        Aes192Gcm => (24, true),
        Aes256Gcm => (32, true),
        _ => null,
    };

    public static HashAlgorithmName? Digest(string? algorithm) => algorithm switch
    {
        null or SignatureAlgorithms.Sha1 => HashAlgorithmName.SHA1,
        SignatureAlgorithms.Sha256 => HashAlgorithmName.SHA256,
        SignatureAlgorithms.Sha384 => HashAlgorithmName.SHA384,
        SignatureAlgorithms.Sha512 => HashAlgorithmName.SHA512,
        _ => null,
    };

    public static HashAlgorithmName? Mgf(string? algorithm) => algorithm switch
    {
        null or Mgf1Sha1 => HashAlgorithmName.SHA1,
        Mgf1Sha256 => HashAlgorithmName.SHA256,
        Mgf1Sha384 => HashAlgorithmName.SHA384,
        Mgf1Sha512 => HashAlgorithmName.SHA512,
        _ => null,
    };
}
