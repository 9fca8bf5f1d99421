using System.ComponentModel.DataAnnotations;

namespace KeyPortal.Core;

/// <summary>
/// Where people reach each app; used for links in emails and redirects between apps.
/// Section <c>PublicUrls</c>. Defaults are the development addresses.
/// </summary>
public sealed class PublicUrlOptions
{
    public const string SectionName = "PublicUrls";

    [Required]
    public Uri IdP { get; set; } = new("http://localhost:5000/");

    [Required]
    public Uri Portal { get; set; } = new("http://localhost:5001/");

    [Required]
    public Uri Admin { get; set; } = new("http://localhost:5002/");
}
