using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace KeyPortal.IdP.Connect;

/// <summary>Loads the token signing and encryption keys from PKCS#12 files.</summary>
internal static class SigningKeys
{
    private const string DevelopmentPassword = "development";

    /// <summary>
    /// The signing keys in the order OpenIddict should use them: keys of the configured
    /// algorithm first (the first signs), then the others, which stay in the JWKS so tokens
    /// they signed keep validating during a rollover.
    /// </summary>
    public static IReadOnlyList<SecurityKey> LoadSigningKeys(SigningOptions options, string contentRoot, bool isDevelopment)
    {
        var files = options.Keys.Count > 0
            ? options.Keys
            : isDevelopment
                ? DevelopmentFiles(options, contentRoot)
                : throw new InvalidOperationException(
                    "IdentityProvider:Signing:Keys is empty. Configure at least one PKCS#12 signing key (Path, Password).");

        var keys = files.Select(file => ToSecurityKey(Load(file, contentRoot))).ToList();
        var preferred = keys.Where(key => AlgorithmOf(key) == options.Algorithm).ToList();
        if (preferred.Count == 0)
        {
            throw new InvalidOperationException($"No configured signing key supports {options.Algorithm}.");
        }

        return [.. preferred, .. keys.Except(preferred)];
    }

    public static X509Certificate2 LoadEncryptionCertificate(SigningOptions options, string contentRoot, bool isDevelopment)
    {
        if (options.EncryptionKey is { } file)
        {
            return Load(file, contentRoot);
        }

        if (!isDevelopment)
        {
            throw new InvalidOperationException("IdentityProvider:Signing:EncryptionKey is not configured.");
        }

        var path = EnsureDevelopmentCertificate(options, contentRoot, "idp-encryption.pfx", rsa: true, "Key Portal development token encryption");
        return Load(new KeyFileOptions { Path = path, Password = DevelopmentPassword }, contentRoot);
    }

    public static string AlgorithmOf(SecurityKey key) => key switch
    {
        ECDsaSecurityKey => SecurityAlgorithms.EcdsaSha256,
        _ => SecurityAlgorithms.RsaSha256,
    };

    private static List<KeyFileOptions> DevelopmentFiles(SigningOptions options, string contentRoot) =>
    [
        new() { Path = EnsureDevelopmentCertificate(options, contentRoot, "idp-signing-rsa.pfx", rsa: true, "Key Portal development token signing (RS256)"), Password = DevelopmentPassword },
        new() { Path = EnsureDevelopmentCertificate(options, contentRoot, "idp-signing-ec.pfx", rsa: false, "Key Portal development token signing (ES256)"), Password = DevelopmentPassword },
    ];

    private static X509Certificate2 Load(KeyFileOptions file, string contentRoot) =>
        X509CertificateLoader.LoadPkcs12FromFile(
            Path.GetFullPath(file.Path, contentRoot), file.Password, X509KeyStorageFlags.EphemeralKeySet);

    private static SecurityKey ToSecurityKey(X509Certificate2 certificate)
    {
        // Raw keys (not X509SecurityKey) so the order above decides which key signs;
        // OpenIddict would otherwise sort certificates by expiry.
        var keyId = Base64UrlEncoder.Encode(certificate.GetCertHash(HashAlgorithmName.SHA256)[..12]);
        if (certificate.GetECDsaPrivateKey() is { } ecdsa)
        {
            return new ECDsaSecurityKey(ecdsa) { KeyId = keyId };
        }

        return new RsaSecurityKey(certificate.GetRSAPrivateKey()
            ?? throw new InvalidOperationException($"The certificate {certificate.Subject} has no RSA or ECDSA private key.")) { KeyId = keyId };
    }

    /// <summary>Development only: makes the key file when it is missing (the one maker of development keys).</summary>
    private static string EnsureDevelopmentCertificate(SigningOptions options, string contentRoot, string fileName, bool rsa, string subject)
    {
        var directory = Path.GetFullPath(options.DevelopmentKeyDirectory, contentRoot);
        var path = Path.Combine(directory, fileName);
        if (File.Exists(path))
        {
            return path;
        }

        Directory.CreateDirectory(directory);
        var name = new X500DistinguishedName($"CN={subject}");
        var now = DateTimeOffset.UtcNow;
        using var certificate = rsa
            ? CreateRsa(name, now)
            : CreateEcdsa(name, now);
        var temporary = path + $".{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temporary, certificate.Export(X509ContentType.Pkcs12, DevelopmentPassword));
        // Several processes may start at once; the first file to land wins, the others are dropped.
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }

        return path;
    }

    private static X509Certificate2 CreateRsa(X500DistinguishedName name, DateTimeOffset now)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(2));
    }

    private static X509Certificate2 CreateEcdsa(X500DistinguishedName name, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(2));
    }
}
