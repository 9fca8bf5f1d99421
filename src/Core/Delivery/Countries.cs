namespace KeyPortal.Core.Delivery;

/// <summary>A country shipments go to: ISO 3166-1 alpha-2 code and English name.</summary>
public sealed record Country(string Code, string Name);

/// <summary>Temporary stand-in until the full list lands; drop this commit then.</summary>
public static class Countries
{
    public static IReadOnlyList<Country> All { get; } =
    [
        new("DE", "Germany"),
        new("GB", "United Kingdom"),
        new("SE", "Sweden"),
        new("US", "United States"),
    ];

    public static bool IsKnown(string? code) => All.Any(c => c.Code == code);

    public static string NameOf(string code) => All.FirstOrDefault(c => c.Code == code)?.Name ?? code;
}
