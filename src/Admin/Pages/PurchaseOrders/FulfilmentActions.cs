using KeyPortal.Core.Delivery;

namespace KeyPortal.Admin.Pages.PurchaseOrders;

/// <summary>
/// The fulfilment buttons a shipment request in a given state offers. This only chooses which
/// buttons to show: <see cref="ShipmentService.MoveAsync"/> decides every move (a crafted post of
/// another is refused there).
/// </summary>
public static class FulfilmentActions
{
    public static IReadOnlyList<ShipmentState> For(ShipmentState state) => state switch
    {
        ShipmentState.Requested => [ShipmentState.InProgress, ShipmentState.Cancelled],
        ShipmentState.InProgress => [ShipmentState.Shipped, ShipmentState.Cancelled],
        _ => [],
    };

    public static string Label(ShipmentState to) => to switch
    {
        ShipmentState.InProgress => "Start fulfilment",
        ShipmentState.Shipped => "Mark shipped",
        ShipmentState.Cancelled => "Cancel",
        _ => to.ToString(),
    };
}
