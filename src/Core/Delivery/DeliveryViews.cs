namespace KeyPortal.Core.Delivery;

/// <summary>An organization named on a purchase order.</summary>
public sealed record OrganizationReference(Guid Id, string Name);

/// <summary>
/// One product line with its progress: <see cref="Requested"/> is on open shipment requests
/// (requested or in progress), <see cref="Shipped"/> has shipped, <see cref="Remaining"/> is free
/// for new requests.
/// </summary>
public sealed record PurchaseOrderLineView(Guid Id, int Position, string Product, int Ordered, int Requested, int Shipped, int Remaining);

/// <summary>How many of an order's shipment requests are in each state.</summary>
public sealed record ShipmentProgress(int Requested, int InProgress, int Shipped, int Cancelled);

/// <summary>
/// A purchase order as customers and channel partners see it. It carries no personal data
/// (recipients live on shipment requests, which only the customer reads), so the same view is
/// safe for resellers and distributors.
/// </summary>
public sealed record PurchaseOrderView(
    Guid Id,
    string Number,
    OrganizationReference Customer,
    OrganizationReference? Reseller,
    OrganizationReference? Distributor,
    DateTimeOffset CreatedAt,
    IReadOnlyList<PurchaseOrderLineView> Lines,
    ShipmentProgress Shipments);

/// <summary>One item of a shipment request.</summary>
public sealed record ShipmentItemView(Guid LineId, string Product, int Quantity);

/// <summary>A shipment request with its recipient: for the customer organization's members only.</summary>
public sealed record ShipmentView(
    Guid Id,
    Guid PurchaseOrderId,
    string PurchaseOrderNumber,
    ShipmentState State,
    ShippingAddress Recipient,
    string? ValidationOverrideReason,
    IReadOnlyList<ShipmentItemView> Items,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ShippedAt);

/// <summary>One page of a list and the cursor of the next one (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>What a shipment request is made of, as entered.</summary>
public sealed record ShipmentInput(Guid PurchaseOrderId, ShippingAddress Recipient, IReadOnlyList<ShipmentItemInput> Items, string? OverrideReason);

public sealed record ShipmentItemInput(Guid LineId, int Quantity);

/// <summary>A purchase order as an operator enters it.</summary>
public sealed record PurchaseOrderInput(
    string Number, Guid CustomerOrganizationId, Guid? ResellerOrganizationId, Guid? DistributorOrganizationId, IReadOnlyList<PurchaseOrderLineInput> Lines);

public sealed record PurchaseOrderLineInput(string Product, int Quantity);

/// <summary>Filters of the shipment list.</summary>
public sealed record ShipmentFilter(ShipmentState? State = null, Guid? PurchaseOrderId = null);
