using System.ComponentModel.DataAnnotations;

namespace KeyPortal.IdP;

/// <summary>A PKCS#12 key file and its password.</summary>
public sealed class KeyFileOptions
{
    [Required]
    public string Path { get; set; } = "";

    public string? Password { get; set; }
}
