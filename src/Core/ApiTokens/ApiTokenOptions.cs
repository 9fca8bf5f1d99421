using System.ComponentModel.DataAnnotations;

namespace KeyPortal.Core.ApiTokens;

/// <summary>Settings of API tokens (section <c>ApiTokens</c>).</summary>
public sealed class ApiTokenOptions
{
    public const string SectionName = "ApiTokens";

    /// <summary>The expiry offered when the person chooses none: one year.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromDays(365);

    /// <summary>The longest expiry anybody may choose.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(730);

    /// <summary>
    /// "Last used" is written at most this often per token, so busy callers do not turn every
    /// read of the API into a database write.
    /// </summary>
    public TimeSpan LastUsedResolution { get; set; } = TimeSpan.FromMinutes(1);
}
