using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace KeyPortal.Hosting;

/// <summary>
/// The certificate that encrypts the data-protection key ring at rest: PKCS#12 file
/// <c>DataProtection:Certificate:Path</c> (password <c>DataProtection:Certificate:Password</c>),
/// the same on every instance of the three apps. Required outside Development.
/// </summary>
public static class DataProtectionCertificate
{
    public const string PathSetting = "DataProtection:Certificate:Path";

    public const string PasswordSetting = "DataProtection:Certificate:Password";

    /// <summary>The configured certificate; null in Development without one; throws elsewhere without one.</summary>
    public static X509Certificate2? Load(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        var path = configuration[PathSetting];
        if (string.IsNullOrEmpty(path))
        {
            return environment.IsDevelopment()
                ? null
                : throw new InvalidOperationException(
                    $"{PathSetting} is not set. Outside Development the data-protection keys are encrypted at rest: point it at a PKCS#12 file (the same on every instance).");
        }

        var fullPath = Path.GetFullPath(path, environment.ContentRootPath);
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(fullPath, configuration[PasswordSetting], X509KeyStorageFlags.EphemeralKeySet);
        return certificate.HasPrivateKey
            ? certificate
            : throw new InvalidOperationException($"{PathSetting} ({fullPath}) holds no private key.");
    }
}
