using System.Text.RegularExpressions;

namespace KeyPortal.Core.Delivery;

/// <summary>
/// Platform operators enter customers' purchase orders (the caller checks that the actor is one).
/// The customer must be an organization of kind Customer; a named reseller or distributor must be
/// of that kind, so the channel roles that read the order exist there.
/// </summary>
public sealed partial class PurchaseOrderService(PortalDbContext db, AuditTrail audit, TimeProvider clock)
{
    public async Task<PurchaseOrder> CreateAsync(AuditActor actor, PurchaseOrderInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(input);
        var number = input.Number?.Trim() ?? "";
        if (!NumberPattern().IsMatch(number))
        {
            throw new DomainException(DomainErrors.PurchaseOrderNumberInvalid);
        }

        var lines = CheckLines(input.Lines);
        try
        {
            return await db.InTransactionAsync(async ct =>
            {
                await RequireKindAsync(input.CustomerOrganizationId, OrganizationKind.Customer, "customerOrganizationId", ct);
                if (input.ResellerOrganizationId is { } reseller)
                {
                    await RequireKindAsync(reseller, OrganizationKind.Reseller, "resellerOrganizationId", ct);
                }

                if (input.DistributorOrganizationId is { } distributor)
                {
                    await RequireKindAsync(distributor, OrganizationKind.Distributor, "distributorOrganizationId", ct);
                }

                if (await db.PurchaseOrders.AnyAsync(o => o.Number == number, ct))
                {
                    throw new DomainException(DomainErrors.PurchaseOrderNumberTaken);
                }

                var order = PurchaseOrder.Create(
                    number, input.CustomerOrganizationId, input.ResellerOrganizationId, input.DistributorOrganizationId,
                    lines.Select((l, i) => PurchaseOrderLine.Create(i + 1, l.Product, l.Quantity)), clock.GetUtcNow());
                db.PurchaseOrders.Add(order);
                audit.Record(actor, AuditActions.PurchaseOrderCreated, order.CustomerOrganizationId, details: new
                {
                    purchaseOrder = order.Id,
                    number,
                    reseller = order.ResellerOrganizationId,
                    distributor = order.DistributorOrganizationId,
                    lines = lines.Select(l => new { l.Product, l.Quantity }),
                });
                return order;
            }, cancellationToken);
        }
        catch (DbUpdateException exception) when (DatabaseErrors.IsUniqueViolation(exception))
        {
            // Another operator entered the same number at the same moment.
            throw new DomainException(DomainErrors.PurchaseOrderNumberTaken);
        }
    }

    private static List<PurchaseOrderLineInput> CheckLines(IReadOnlyList<PurchaseOrderLineInput>? lines)
    {
        if (lines is null || lines.Count is 0 or > PurchaseOrder.MaxLines)
        {
            throw new DomainException(DomainErrors.PurchaseOrderLinesInvalid(PurchaseOrder.MaxLines));
        }

        var errors = new Dictionary<string, string[]>();
        var checkedLines = new List<PurchaseOrderLineInput>();
        for (var index = 0; index < lines.Count; index++)
        {
            var product = lines[index]?.Product?.Trim() ?? "";
            var quantity = lines[index]?.Quantity ?? 0;
            if (product.Length is 0 or > PurchaseOrderLine.MaxProductLength || product.Any(char.IsControl))
            {
                errors[$"lines[{index}].product"] = [$"Enter the product, such as YubiKey 5 NFC (at most {PurchaseOrderLine.MaxProductLength} characters)."];
            }

            if (quantity is < 1 or > PurchaseOrderLine.MaxQuantity)
            {
                errors[$"lines[{index}].quantity"] = [$"Enter a quantity from 1 to {PurchaseOrderLine.MaxQuantity:N0}."];
            }

            checkedLines.Add(new PurchaseOrderLineInput(product, quantity));
        }

        return errors.Count == 0 ? checkedLines : throw new DomainException(DomainErrors.PurchaseOrderLinesInvalid(PurchaseOrder.MaxLines) with
        {
            Details = new Dictionary<string, object> { ["errors"] = errors },
        });
    }

    private async Task RequireKindAsync(Guid organizationId, OrganizationKind kind, string field, CancellationToken ct)
    {
        var actual = await db.Organizations.Where(o => o.Id == organizationId).Select(o => (OrganizationKind?)o.Kind).SingleOrDefaultAsync(ct);
        if (actual is not { } found || !found.HasFlag(kind))
        {
            throw new DomainException(DomainErrors.PurchaseOrderOrganizationInvalid(field, kind));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();
}
