using System.Globalization;
using KeyPortal.Core.Delivery;

namespace KeyPortal.Ui;

/// <summary>How the Portal's and the console's delivery pages write states, times, items and addresses.</summary>
public static class ShipmentDisplay
{
    public static string State(ShipmentState state) => state switch
    {
        ShipmentState.Requested => "Requested",
        ShipmentState.InProgress => "In progress",
        ShipmentState.Shipped => "Shipped",
        ShipmentState.Cancelled => "Cancelled",
        _ => state.ToString(),
    };

    /// <summary>The chip's class, as the Portal's pages name it.</summary>
    public static string Chip(ShipmentState state) => $"chip shipment-{state.ToString().ToLowerInvariant()}";

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Items(IEnumerable<ShipmentItemView> items) => string.Join(", ", items.Select(i => $"{i.Quantity} × {i.Product}"));

    /// <summary>The country's name for a code, or the code itself when the list does not know it.</summary>
    public static string Country(string code) => Countries.NameOf(code) ?? code;

    /// <summary>The address lines under the recipient's name, as a label would carry them.</summary>
    public static IReadOnlyList<string> AddressLines(ShippingAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        string[] lines =
        [
            address.Street,
            string.Join(" ", new[] { address.PostalCode, address.City }.Where(p => !string.IsNullOrWhiteSpace(p))),
            address.Region ?? "",
            Country(address.Country),
        ];
        return [.. lines.Where(l => !string.IsNullOrWhiteSpace(l))];
    }
}
