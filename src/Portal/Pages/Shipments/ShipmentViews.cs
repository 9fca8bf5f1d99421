using KeyPortal.Core.Delivery;

namespace KeyPortal.Portal.Pages.Shipments;

/// <summary>A table of shipment requests; <paramref name="ShowOrder"/> adds the purchase order column.</summary>
public sealed record ShipmentTable(IReadOnlyList<ShipmentView> Shipments, bool ShowOrder);

/// <summary>The messages of one field of the shipment form.</summary>
public sealed record FieldErrors(string Field, IReadOnlyList<string> Messages);
