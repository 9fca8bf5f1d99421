namespace KeyPortal.Saml2.Tests.Support;

/// <summary>Throwaway self-signed certificates, made once per test run (RSA key generation is slow).</summary>
internal static class TestCertificates
{
    private static readonly Lazy<X509Certificate2> IdentityProviderLazy = new(() => CreateRsa("CN=Test Identity Provider"));
    private static readonly Lazy<X509Certificate2> RolledOverLazy = new(() => CreateRsa("CN=Test Identity Provider (next key)"));
    private static readonly Lazy<X509Certificate2> AttackerLazy = new(() => CreateRsa("CN=Test Identity Provider"));
    private static readonly Lazy<X509Certificate2> ServiceProviderLazy = new(() => CreateRsa("CN=Test Service Provider"));
    private static readonly Lazy<X509Certificate2> EncryptionLazy = new(() => CreateRsa("CN=Test Service Provider Encryption"));
    private static readonly Lazy<X509Certificate2> FederationLazy = new(() => CreateRsa("CN=Test Federation Metadata Signer"));
    private static readonly Lazy<X509Certificate2> EcdsaLazy = new(CreateEcdsa);

    /// <summary>The identity provider's signing certificate, as configured at the service provider.</summary>
    public static X509Certificate2 IdentityProvider => IdentityProviderLazy.Value;

    /// <summary>The identity provider's next signing certificate during a rollover.</summary>
    public static X509Certificate2 RolledOver => RolledOverLazy.Value;

    /// <summary>Another key with the same subject name: what an attacker would make.</summary>
    public static X509Certificate2 Attacker => AttackerLazy.Value;

    public static X509Certificate2 ServiceProvider => ServiceProviderLazy.Value;

    /// <summary>The service provider's decryption certificate (with private key).</summary>
    public static X509Certificate2 Encryption => EncryptionLazy.Value;

    public static X509Certificate2 Federation => FederationLazy.Value;

    public static X509Certificate2 Ecdsa => EcdsaLazy.Value;

    /// <summary>The public part only, as a service provider holds an identity provider's certificate.</summary>
    public static X509Certificate2 PublicOnly(X509Certificate2 certificate) => X509CertificateLoader.LoadCertificate(certificate.RawData);

    private static X509Certificate2 CreateRsa(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
    }

    private static X509Certificate2 CreateEcdsa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Test ECDSA Identity Provider", key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
    }
}
