namespace KeyPortal.Core.Delivery;

/// <summary>Requested → in progress → shipped; cancelled from requested or in progress.</summary>
public enum ShipmentState
{
    Requested,
    InProgress,
    Shipped,
    Cancelled,
}

/// <summary>
/// A customer's request to ship part of a purchase order to one recipient. Its items and address
/// can be edited while it is requested; the address can be corrected until it ships. The
/// recipient's name, email, phone and address are personal data: only the customer
/// organization's members ever read them.
/// </summary>
public sealed class ShipmentRequest
{
    public const int MaxOverrideReasonLength = 500;

    private ShipmentRequest()
    {
    }

    public Guid Id { get; private set; }

    public Guid PurchaseOrderId { get; private set; }

    /// <summary>The customer organization of the purchase order: whose members see and edit it.</summary>
    public Guid OrganizationId { get; private set; }

    public ShipmentState State { get; private set; }

    public string RecipientName { get; private set; } = "";

    public string Email { get; private set; } = "";

    public string Phone { get; private set; } = "";

    public string Street { get; private set; } = "";

    public string City { get; private set; } = "";

    public string? Region { get; private set; }

    public string PostalCode { get; private set; } = "";

    /// <summary>ISO 3166-1 alpha-2.</summary>
    public string Country { get; private set; } = "";

    /// <summary>Why an Owner or Admin kept an address that failed validation; null when it passed.</summary>
    public string? ValidationOverrideReason { get; private set; }

    public Guid? CreatedByUserId { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public DateTimeOffset? ShippedAt { get; private set; }

    public List<ShipmentItem> Items { get; private set; } = [];

    public ShippingAddress Address => new(RecipientName, Email, Phone, Street, City, Region, PostalCode, Country);

    public bool IsOpen => State is ShipmentState.Requested or ShipmentState.InProgress;

    internal static ShipmentRequest Create(PurchaseOrder order, Guid? createdBy, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        PurchaseOrderId = order.Id,
        OrganizationId = order.CustomerOrganizationId,
        State = ShipmentState.Requested,
        CreatedByUserId = createdBy,
        CreatedAt = now,
        UpdatedAt = now,
    };

    internal void SetAddress(ShippingAddress address, string? overrideReason, DateTimeOffset now)
    {
        (RecipientName, Email, Phone, Street, City, Region, PostalCode, Country) =
            (address.RecipientName, address.Email, address.Phone, address.Street, address.City, address.Region, address.PostalCode, address.Country);
        ValidationOverrideReason = overrideReason;
        UpdatedAt = now;
    }

    internal void SetItems(IEnumerable<ShipmentItem> items, DateTimeOffset now)
    {
        Items.Clear();
        Items.AddRange(items);
        UpdatedAt = now;
    }

    internal void MoveTo(ShipmentState to, DateTimeOffset now)
    {
        var allowed = (State, to) switch
        {
            (ShipmentState.Requested, ShipmentState.InProgress) => true,
            (ShipmentState.InProgress, ShipmentState.Shipped) => true,
            (ShipmentState.Requested or ShipmentState.InProgress, ShipmentState.Cancelled) => true,
            _ => false,
        };
        if (!allowed)
        {
            throw new DomainException(DomainErrors.ShipmentIllegalTransition(State, to));
        }

        State = to;
        UpdatedAt = now;
        if (to == ShipmentState.Shipped)
        {
            ShippedAt = now;
        }
    }
}

/// <summary>How many of one purchase order line a shipment request carries.</summary>
public sealed class ShipmentItem
{
    private ShipmentItem()
    {
    }

    public Guid Id { get; private set; }

    public Guid ShipmentRequestId { get; private set; }

    public Guid PurchaseOrderLineId { get; private set; }

    public int Quantity { get; private set; }

    internal static ShipmentItem Create(Guid lineId, int quantity) => new() { Id = Guid.CreateVersion7(), PurchaseOrderLineId = lineId, Quantity = quantity };
}
