using KeyPortal.Core.Authorization;

namespace KeyPortal.Core.Delivery;

/// <summary>
/// Shipment requests (SPEC Roles and permissions): Owners and Admins of the customer organization
/// create and edit them while requested, may keep an address that fails validation with a
/// recorded reason, and correct the address until the shipment ships. The member's permission is
/// checked here again, inside the transaction; the order's row lock keeps concurrent requests
/// within what remains on the order. Every change is audited in its transaction.
/// </summary>
public sealed class ShipmentService(PortalDbContext db, AuditTrail audit, TimeProvider clock)
{
    public Task<ShipmentRequest> CreateAsync(AuditActor actor, Guid organizationId, ShipmentInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(input);
        var (address, reason) = CheckAddress(input);
        var items = CheckItems(input.Items);
        return db.InTransactionAsync(async ct =>
        {
            await RequireAsync(actor, organizationId, [Permission.EditShipmentRequests, .. OverrideOf(reason)], ct);

            var order = await LockOrderAsync(organizationId, input.PurchaseOrderId, ct);
            var now = clock.GetUtcNow();
            var shipment = ShipmentRequest.Create(order, actor.UserId, now);
            await CheckRemainingAsync(order, items, exceptShipment: null, ct);
            shipment.SetAddress(address, reason, now);
            shipment.SetItems(items.Select(i => ShipmentItem.Create(i.LineId, i.Quantity)), now);
            db.ShipmentRequests.Add(shipment);
            audit.Record(actor, AuditActions.ShipmentRequested, organizationId, details: new
            {
                shipment = shipment.Id,
                purchaseOrder = order.Number,
                items = items.Select(i => new { line = i.LineId, i.Quantity }),
            });
            RecordOverride(actor, organizationId, shipment, reason);
            return shipment;
        }, cancellationToken);
    }

    /// <summary>
    /// Replaces the address and the items of a request that is still requested; once in progress
    /// only the address can be corrected (the items are being packed), and never once shipped.
    /// </summary>
    public Task<ShipmentRequest> UpdateAsync(AuditActor actor, Guid organizationId, Guid shipmentId, ShipmentInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(input);
        var (address, reason) = CheckAddress(input);
        var items = CheckItems(input.Items);
        return db.InTransactionAsync(async ct =>
        {
            var shipment = await db.ShipmentRequests.Include(s => s.Items)
                .SingleOrDefaultAsync(s => s.Id == shipmentId && s.OrganizationId == organizationId, ct)
                ?? throw new DomainException(DomainErrors.ShipmentNotFound);
            var order = await LockOrderAsync(organizationId, shipment.PurchaseOrderId, ct);
            await db.Entry(shipment).ReloadAsync(ct);
            var itemsChange = !SameItems(shipment.Items, items);
            await RequireAsync(actor, organizationId,
                [shipment.State == ShipmentState.Requested ? Permission.EditShipmentRequests : Permission.CorrectShippingAddresses, .. OverrideOf(reason)], ct);

            if (!shipment.IsOpen)
            {
                throw new DomainException(DomainErrors.ShipmentClosed);
            }

            if (itemsChange && shipment.State != ShipmentState.Requested)
            {
                throw new DomainException(DomainErrors.ShipmentItemsLocked);
            }

            var now = clock.GetUtcNow();
            var changed = Changes(shipment.Address, address);
            if (itemsChange)
            {
                await CheckRemainingAsync(order, items, shipment.Id, ct);
                db.ShipmentItems.RemoveRange(shipment.Items);
                var replacement = items.Select(i => ShipmentItem.Create(i.LineId, i.Quantity)).ToList();
                shipment.SetItems(replacement, now);
                // New rows: their keys are set already, so the change tracker must be told.
                db.ShipmentItems.AddRange(replacement);
                changed.Add("items");
            }

            if (changed.Count == 0 && reason == shipment.ValidationOverrideReason)
            {
                return shipment;
            }

            shipment.SetAddress(address, reason, now);
            // The audit names what changed, not the personal data itself.
            audit.Record(actor, AuditActions.ShipmentUpdated, organizationId, details: new { shipment = shipment.Id, purchaseOrder = order.Number, changed });
            RecordOverride(actor, organizationId, shipment, reason);
            return shipment;
        }, cancellationToken);
    }

    /// <summary>The customer withdraws a request that has not started.</summary>
    public Task CancelAsync(AuditActor actor, Guid organizationId, Guid shipmentId, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            ArgumentNullException.ThrowIfNull(actor);
            var shipment = await db.ShipmentRequests.SingleOrDefaultAsync(s => s.Id == shipmentId && s.OrganizationId == organizationId, ct)
                ?? throw new DomainException(DomainErrors.ShipmentNotFound);
            await RequireAsync(actor, organizationId, [Permission.EditShipmentRequests], ct);
            await LockOrderAsync(organizationId, shipment.PurchaseOrderId, ct);
            await db.Entry(shipment).ReloadAsync(ct);
            if (shipment.State != ShipmentState.Requested)
            {
                throw new DomainException(shipment.IsOpen ? DomainErrors.ShipmentItemsLocked : DomainErrors.ShipmentClosed);
            }

            shipment.MoveTo(ShipmentState.Cancelled, clock.GetUtcNow());
            audit.Record(actor, AuditActions.ShipmentCancelled, organizationId, details: new { shipment = shipment.Id });
            return true;
        }, cancellationToken);

    /// <summary>Platform operators move a request through fulfilment (the caller checks the operator).</summary>
    public Task<ShipmentRequest> MoveAsync(AuditActor actor, Guid shipmentId, ShipmentState to, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            ArgumentNullException.ThrowIfNull(actor);
            var shipment = await db.ShipmentRequests.SingleOrDefaultAsync(s => s.Id == shipmentId, ct)
                ?? throw new DomainException(DomainErrors.ShipmentNotFound);
            await LockOrderAsync(shipment.OrganizationId, shipment.PurchaseOrderId, ct);
            await db.Entry(shipment).ReloadAsync(ct);
            var from = shipment.State;
            shipment.MoveTo(to, clock.GetUtcNow());
            audit.Record(actor, AuditActions.ShipmentStateChanged, shipment.OrganizationId, details: new { shipment = shipment.Id, from = from.ToString(), to = to.ToString() });
            return shipment;
        }, cancellationToken);

    /// <summary>The address normalized and validated; problems that may be overridden pass only with a reason.</summary>
    private static (ShippingAddress Address, string? Reason) CheckAddress(ShipmentInput input)
    {
        var address = AddressValidation.Normalize(input.Recipient ?? new ShippingAddress("", "", "", "", "", null, "", ""));
        var problems = AddressValidation.Validate(address);
        var reason = string.IsNullOrWhiteSpace(input.OverrideReason) ? null : input.OverrideReason.Trim();
        if (reason is { Length: > ShipmentRequest.MaxOverrideReasonLength } || reason?.Any(char.IsControl) == true)
        {
            throw new DomainException(DomainErrors.OverrideReasonInvalid(ShipmentRequest.MaxOverrideReasonLength));
        }

        if (problems.Any(p => !p.Overridable) || (problems.Count > 0 && reason is null))
        {
            throw new DomainException(DomainErrors.AddressInvalid(AddressValidation.ToErrors(problems), overridable: problems.All(p => p.Overridable)));
        }

        // A reason only means something when there was a problem to override.
        return (address, problems.Count > 0 ? reason : null);
    }

    private static List<ShipmentItemInput> CheckItems(IReadOnlyList<ShipmentItemInput>? items)
    {
        if (items is null || items.Count == 0 || items.Any(i => i is null || i.Quantity < 1 || i.Quantity > PurchaseOrderLine.MaxQuantity)
            || items.Select(i => i.LineId).Distinct().Count() != items.Count)
        {
            throw new DomainException(DomainErrors.ShipmentItemsInvalid);
        }

        return [.. items];
    }

    private async Task CheckRemainingAsync(PurchaseOrder order, List<ShipmentItemInput> items, Guid? exceptShipment, CancellationToken ct)
    {
        var lines = await db.PurchaseOrderLines.AsNoTracking().Where(l => l.PurchaseOrderId == order.Id).ToListAsync(ct);
        var taken = await (
                from i in db.ShipmentItems
                join s in db.ShipmentRequests on i.ShipmentRequestId equals s.Id
                where s.PurchaseOrderId == order.Id && s.State != ShipmentState.Cancelled && s.Id != exceptShipment
                group i.Quantity by i.PurchaseOrderLineId into g
                select new { Line = g.Key, Quantity = g.Sum() })
            .ToDictionaryAsync(t => t.Line, t => t.Quantity, ct);
        var errors = new Dictionary<string, string[]>();
        for (var index = 0; index < items.Count; index++)
        {
            var line = lines.SingleOrDefault(l => l.Id == items[index].LineId);
            var remaining = line is null ? 0 : line.Quantity - taken.GetValueOrDefault(line.Id);
            if (line is null)
            {
                errors[$"items[{index}].lineId"] = ["This product is not on the purchase order."];
            }
            else if (items[index].Quantity > remaining)
            {
                errors[$"items[{index}].quantity"] = [remaining == 0
                    ? $"No {line.Product} remain on this order."
                    : $"Only {remaining} {line.Product} remain on this order."];
            }
        }

        if (errors.Count > 0)
        {
            throw new DomainException(DomainErrors.ShipmentExceedsOrder(errors));
        }
    }

    /// <summary>The order's row lock (PostgreSQL; SQLite write transactions are exclusive), read after it.</summary>
    private async Task<PurchaseOrder> LockOrderAsync(Guid organizationId, Guid orderId, CancellationToken ct)
    {
        var locked = await db.PurchaseOrders.Where(o => o.Id == orderId && o.CustomerOrganizationId == organizationId)
            .ExecuteUpdateAsync(set => set.SetProperty(o => o.Version, o => o.Version + 1), ct);
        if (locked == 0)
        {
            throw new DomainException(DomainErrors.PurchaseOrderNotFound);
        }

        return await db.PurchaseOrders.AsNoTracking().SingleAsync(o => o.Id == orderId, ct);
    }

    /// <summary>The acting member holds every one of <paramref name="permissions"/> in the organization now (state and roles read here, once).</summary>
    private async Task RequireAsync(AuditActor actor, Guid organizationId, Permission[] permissions, CancellationToken ct)
    {
        var member = actor.UserId is { } userId
            ? await db.Memberships.AsNoTracking()
                .Where(m => m.UserId == userId && m.OrganizationId == organizationId)
                .Select(m => new { Roles = new MemberRoles(m.OrganizationRole, m.ChannelRoles), m.User.State })
                .SingleOrDefaultAsync(ct)
            : null;
        foreach (var permission in permissions)
        {
            if (member is null || (actor.SessionScope is { } scope && scope != organizationId)
                || !PermissionMatrix.Allows(member.State, member.Roles, permission))
            {
                throw new DomainException(DomainErrors.ShipmentNotPermitted(PermissionMatrix.Label(permission)));
            }
        }
    }

    /// <summary>Keeping an address that failed validation needs its own permission.</summary>
    private static Permission[] OverrideOf(string? reason) => reason is null ? [] : [Permission.OverrideAddressValidation];

    private void RecordOverride(AuditActor actor, Guid organizationId, ShipmentRequest shipment, string? reason)
    {
        if (reason is not null)
        {
            audit.Record(actor, AuditActions.AddressValidationOverridden, organizationId, details: new { shipment = shipment.Id, reason });
        }
    }

    private static bool SameItems(List<ShipmentItem> current, List<ShipmentItemInput> wanted) =>
        current.Count == wanted.Count
        && current.All(c => wanted.Any(w => w.LineId == c.PurchaseOrderLineId && w.Quantity == c.Quantity));

    private static List<string> Changes(ShippingAddress before, ShippingAddress after)
    {
        var changed = new List<string>();
        void Compare(string field, string? a, string? b)
        {
            if (!string.Equals(a, b, StringComparison.Ordinal))
            {
                changed.Add(field);
            }
        }

        Compare("recipientName", before.RecipientName, after.RecipientName);
        Compare("email", before.Email, after.Email);
        Compare("phone", before.Phone, after.Phone);
        Compare("street", before.Street, after.Street);
        Compare("city", before.City, after.City);
        Compare("region", before.Region, after.Region);
        Compare("postalCode", before.PostalCode, after.PostalCode);
        Compare("country", before.Country, after.Country);
        return changed;
    }
}
