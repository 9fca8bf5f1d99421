namespace KeyPortal.Core.Delivery;

/// <summary>The recipient and address of a shipment request, as entered.</summary>
public sealed record ShippingAddress(string RecipientName, string Email, string Phone, string Street, string City, string? Region, string PostalCode, string Country);

/// <summary>One problem with one field (camelCase property name).</summary>
public sealed record AddressProblem(string Field, string Message, bool Overridable);

public static class AddressValidation
{
    public static ShippingAddress Normalize(ShippingAddress address) => address;

    public static IReadOnlyList<AddressProblem> Validate(ShippingAddress address) =>
        string.IsNullOrWhiteSpace(address?.RecipientName) ? [new AddressProblem("recipientName", "Enter the recipient's name.", false)] : [];

    public static IDictionary<string, string[]> ToErrors(IEnumerable<AddressProblem> problems) =>
        problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray());
}

public sealed record Country(string Code, string Name);

public static class Countries
{
    public static IReadOnlyList<Country> All { get; } = [new("SE", "Sweden"), new("US", "United States of America")];

    public static bool IsKnown(string? code) => All.Any(c => c.Code == code);

    public static string? NameOf(string? code) => All.FirstOrDefault(c => c.Code == code)?.Name;
}
