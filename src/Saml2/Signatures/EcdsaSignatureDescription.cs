using System.Security.Cryptography.Xml;

namespace KeyPortal.Saml2;

/// <summary>
/// ECDSA for SignedXml, which knows RSA and DSA only. XML-DSig 1.1 §6.4.3 / RFC 4050 define the SignatureValue as
/// r || s, the IEEE P1363 form that <see cref="ECDsa"/> signs and verifies by default. Registered under the RFC 6931
/// URIs; SignedXml looks its own algorithms up first, so this never replaces a framework implementation.
/// Public only because CryptoConfig creates registered types by reflection and accepts public types only.
/// </summary>
public abstract class EcdsaSignatureDescription : SignatureDescription
{
    private static readonly Lazy<bool> Registration = new(() =>
    {
        CryptoConfig.AddAlgorithm(typeof(EcdsaSha256SignatureDescription), SignatureAlgorithms.EcdsaSha256);
        CryptoConfig.AddAlgorithm(typeof(EcdsaSha384SignatureDescription), SignatureAlgorithms.EcdsaSha384);
        CryptoConfig.AddAlgorithm(typeof(EcdsaSha512SignatureDescription), SignatureAlgorithms.EcdsaSha512);
        return true;
    });

    private readonly HashAlgorithmName _hash;

    protected EcdsaSignatureDescription(HashAlgorithmName hash)
    {
        _hash = hash;
        KeyAlgorithm = typeof(ECDsa).AssemblyQualifiedName;
    }

    /// <summary>Registers the ECDSA signature methods with CryptoConfig, once per process.</summary>
    public static void EnsureRegistered() => _ = Registration.Value;

    public override HashAlgorithm CreateDigest() => _hash.Name switch
    {
        "SHA256" => SHA256.Create(),
        "SHA384" => SHA384.Create(),
        "SHA512" => SHA512.Create(),
        _ => throw new CryptographicException("Unsupported ECDSA digest."),
    };

    public override AsymmetricSignatureDeformatter CreateDeformatter(AsymmetricAlgorithm key) => new Deformatter(key);

    public override AsymmetricSignatureFormatter CreateFormatter(AsymmetricAlgorithm key) => new Formatter(key);

    private sealed class Deformatter(AsymmetricAlgorithm key) : AsymmetricSignatureDeformatter
    {
        private ECDsa _key = key as ECDsa ?? throw new CryptographicException("ECDSA signatures need an ECDSA key.");

        public override void SetKey(AsymmetricAlgorithm key) =>
            _key = key as ECDsa ?? throw new CryptographicException("ECDSA signatures need an ECDSA key.");

        public override void SetHashAlgorithm(string strName)
        {
        }

        public override bool VerifySignature(byte[] rgbHash, byte[] rgbSignature) =>
            _key.VerifyHash(rgbHash, rgbSignature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    private sealed class Formatter(AsymmetricAlgorithm key) : AsymmetricSignatureFormatter
    {
        private ECDsa _key = key as ECDsa ?? throw new CryptographicException("ECDSA signatures need an ECDSA key.");

        public override void SetKey(AsymmetricAlgorithm key) =>
            _key = key as ECDsa ?? throw new CryptographicException("ECDSA signatures need an ECDSA key.");

        public override void SetHashAlgorithm(string strName)
        {
        }

        public override byte[] CreateSignature(byte[] rgbHash) =>
            _key.SignHash(rgbHash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}

/// <summary>ECDSA with SHA-256 (RFC 6931 §2.3.6).</summary>
public sealed class EcdsaSha256SignatureDescription() : EcdsaSignatureDescription(HashAlgorithmName.SHA256);

/// <summary>ECDSA with SHA-384 (RFC 6931 §2.3.6).</summary>
public sealed class EcdsaSha384SignatureDescription() : EcdsaSignatureDescription(HashAlgorithmName.SHA384);

/// <summary>ECDSA with SHA-512 (RFC 6931 §2.3.6).</summary>
public sealed class EcdsaSha512SignatureDescription() : EcdsaSignatureDescription(HashAlgorithmName.SHA512);
