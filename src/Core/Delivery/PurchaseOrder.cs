namespace KeyPortal.Core.Delivery;

/// <summary>
/// An order of security keys a customer organization placed with the vendor, entered by a platform
/// operator. It may name the reseller and the distributor it was sold through; their members see
/// it (quantities and shipping progress, never personal data).
/// </summary>
public sealed class PurchaseOrder
{
    public const int MaxNumberLength = 40;

    public const int MaxLines = 50;

    private PurchaseOrder()
    {
    }

    public Guid Id { get; private set; }

    /// <summary>The vendor's order number, such as <c>PO-2026-0042</c>; unique.</summary>
    public string Number { get; private set; } = "";

    public Guid CustomerOrganizationId { get; private set; }

    public Guid? ResellerOrganizationId { get; private set; }

    public Guid? DistributorOrganizationId { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>
    /// Bumped by every shipment request change inside its transaction: taking the order's row lock
    /// first serializes requests against the same order, so together they never exceed what remains.
    /// </summary>
    public long Version { get; private set; }

    public List<PurchaseOrderLine> Lines { get; private set; } = [];

    internal static PurchaseOrder Create(
        string number, Guid customer, Guid? reseller, Guid? distributor, IEnumerable<PurchaseOrderLine> lines, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        Number = number,
        CustomerOrganizationId = customer,
        ResellerOrganizationId = reseller,
        DistributorOrganizationId = distributor,
        CreatedAt = now,
        Lines = [.. lines],
    };
}

/// <summary>One product of a purchase order and how many were ordered.</summary>
public sealed class PurchaseOrderLine
{
    public const int MaxProductLength = 100;

    public const int MaxQuantity = 1_000_000;

    private PurchaseOrderLine()
    {
    }

    public Guid Id { get; private set; }

    public Guid PurchaseOrderId { get; private set; }

    /// <summary>Position on the order, from 1.</summary>
    public int Position { get; private set; }

    /// <summary>Such as "YubiKey 5 NFC".</summary>
    public string Product { get; private set; } = "";

    public int Quantity { get; private set; }

    internal static PurchaseOrderLine Create(int position, string product, int quantity) =>
        new() { Id = Guid.CreateVersion7(), Position = position, Product = product, Quantity = quantity };
}
