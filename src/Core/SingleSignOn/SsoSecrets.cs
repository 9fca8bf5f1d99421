using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;

namespace KeyPortal.Core.SingleSignOn;

/// <summary>
/// Protects what single sign-on keeps secret at rest (an upstream client secret, the
/// organization's service-provider private key). The Portal writes these and the IdP reads
/// them, so the protector comes from the installation's shared data protection (one key ring in
/// the database, one purpose for every app), not from an app's own.
/// </summary>
public sealed class SsoSecrets(IDataProtector protector)
{
    public const string Purpose = "KeyPortal.Sso.Secrets";

    public string Protect(string secret) => protector.Protect(secret);

    /// <summary>The secret, or null when it cannot be read (key ring lost, value tampered with).</summary>
    public string? Unprotect(string? protectedSecret)
    {
        if (string.IsNullOrEmpty(protectedSecret))
        {
            return null;
        }

        try
        {
            return protector.Unprotect(protectedSecret);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// A new service-provider key pair for an organization: RSA 3072 in a self-signed certificate
    /// (SAML metadata carries keys in certificates; nobody checks a chain), ten years, since a
    /// change means every customer IdP must import our metadata again.
    /// </summary>
    public string CreateServiceProviderKey(string organizationSlug, DateTimeOffset now)
    {
        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest($"CN=Key Portal SSO {organizationSlug}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        return Protect(Convert.ToBase64String(certificate.Export(X509ContentType.Pkcs12)));
    }

    /// <summary>The organization's service-provider certificate with its private key, or null when unreadable.</summary>
    public X509Certificate2? ServiceProviderCertificate(SsoConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Unprotect(connection.SamlServiceProviderKeyProtected) is { } pkcs12
            ? X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(pkcs12), password: null, X509KeyStorageFlags.EphemeralKeySet)
            : null;
    }
}
