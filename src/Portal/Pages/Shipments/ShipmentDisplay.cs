using System.Globalization;
using KeyPortal.Core.Delivery;

namespace KeyPortal.Portal.Pages.Shipments;

/// <summary>How the delivery pages write states, times and items.</summary>
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

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Items(IEnumerable<ShipmentItemView> items) => string.Join(", ", items.Select(i => $"{i.Quantity} × {i.Product}"));

    /// <summary>The country's name for a code, or the code itself when the list does not know it.</summary>
    public static string Country(string code) => Countries.All.FirstOrDefault(c => c.Code == code)?.Name ?? code;
}

/// <summary>A table of shipment requests; <paramref name="ShowOrder"/> adds the purchase order column.</summary>
public sealed record ShipmentTable(IReadOnlyList<ShipmentView> Shipments, bool ShowOrder);

/// <summary>The messages of one field of the shipment form.</summary>
public sealed record FieldErrors(string Field, IReadOnlyList<string> Messages);
