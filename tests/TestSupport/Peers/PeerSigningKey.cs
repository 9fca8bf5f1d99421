using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KeyPortal.TestSupport.Peers;

/// <summary>A fresh RSA key and self-signed certificate for an identity provider, written as PEM files for it.</summary>
internal sealed class PeerSigningKey
{
    private PeerSigningKey(X509Certificate2 certificate, string certificatePath, string privateKeyPath)
    {
        Certificate = certificate;
        CertificatePath = certificatePath;
        PrivateKeyPath = privateKeyPath;
    }

    /// <summary>The certificate without its private key, as relying parties see it.</summary>
    public X509Certificate2 Certificate { get; }

    public string CertificatePath { get; }

    public string PrivateKeyPath { get; }

    /// <summary>Creates the key pair and writes <c>{name}.crt</c> and <c>{name}.key</c> (PKCS#8) into <paramref name="directory"/>.</summary>
    public static PeerSigningKey Create(string directory, string name, string subject)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={subject}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: false));
        var now = DateTimeOffset.UtcNow;
        using var withKey = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        var certificatePath = Path.Combine(directory, name + ".crt");
        var privateKeyPath = Path.Combine(directory, name + ".key");
        File.WriteAllText(certificatePath, withKey.ExportCertificatePem() + "\n");
        File.WriteAllText(privateKeyPath, rsa.ExportPkcs8PrivateKeyPem() + "\n");
        return new PeerSigningKey(X509CertificateLoader.LoadCertificate(withKey.RawData), certificatePath, privateKeyPath);
    }
}
