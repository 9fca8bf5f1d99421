using System.ComponentModel.DataAnnotations;

namespace KeyPortal.IdP;

/// <summary>The keys that sign tokens and encrypt codes and refresh tokens. Section <c>IdentityProvider:Signing</c>.</summary>
public sealed class SigningOptions
{
    /// <summary><c>RS256</c> (default) or <c>ES256</c>: the algorithm of the key that signs new tokens.</summary>
    [RegularExpression("^(RS256|ES256)$")]
    public string Algorithm { get; set; } = "RS256";

    /// <summary>
    /// PKCS#12 files with the signing keys. Every key is published in the JWKS (so tokens signed
    /// by a retiring key still validate); the newest key of <see cref="Algorithm"/> signs. Empty:
    /// development keys from <see cref="DevelopmentKeyDirectory"/> (Development only).
    /// </summary>
    public List<KeyFileOptions> Keys { get; set; } = [];

    /// <summary>PKCS#12 file of the key that encrypts refresh tokens and codes. Empty: development key.</summary>
    public KeyFileOptions? EncryptionKey { get; set; }

    /// <summary>Where the IdP makes its development keys on first start. Default <c>../../certs</c> (from src/IdP).</summary>
    public string DevelopmentKeyDirectory { get; set; } = "../../certs";
}
