namespace KeyPortal.Core.Delivery;

/// <summary>
/// What members read about deliveries. Every query is bound to one organization: a customer
/// reads its own orders and shipment requests; a channel partner reads the orders naming it, as
/// <see cref="PurchaseOrderView"/>s, which hold no personal data.
/// </summary>
public sealed class DeliveryQueries(PortalDbContext db)
{
    /// <summary>
    /// Orders of <paramref name="organizationId"/> as customer (when <paramref name="asCustomer"/>)
    /// and naming it as reseller or distributor (when <paramref name="asChannel"/>), newest first.
    /// </summary>
    public async Task<Page<PurchaseOrderView>> PurchaseOrdersAsync(
        Guid organizationId, bool asCustomer, bool asChannel, string? numberPrefix, string? cursor, int? limit, CancellationToken cancellationToken = default)
    {
        var take = Cursor.Limit(limit);
        var after = Cursor.Decode(cursor);
        var orders = Visible(organizationId, asCustomer, asChannel);
        if (!string.IsNullOrWhiteSpace(numberPrefix))
        {
            var prefix = numberPrefix.Trim();
            orders = orders.Where(o => o.Number.StartsWith(prefix));
        }

        return await PageOfOrdersAsync(orders, after, take, cancellationToken);
    }

    public async Task<PurchaseOrderView?> PurchaseOrderAsync(
        Guid organizationId, bool asCustomer, bool asChannel, Guid id, CancellationToken cancellationToken = default) =>
        (await ViewsAsync(Visible(organizationId, asCustomer, asChannel).Where(o => o.Id == id), cancellationToken)).SingleOrDefault();

    /// <summary>Every order, for platform operators.</summary>
    public Task<Page<PurchaseOrderView>> AllPurchaseOrdersAsync(Guid? organizationId, string? cursor, int? limit, CancellationToken cancellationToken = default)
    {
        var orders = db.PurchaseOrders.AsNoTracking();
        if (organizationId is { } id)
        {
            orders = orders.Where(o => o.CustomerOrganizationId == id || o.ResellerOrganizationId == id || o.DistributorOrganizationId == id);
        }

        return PageOfOrdersAsync(orders, Cursor.Decode(cursor), Cursor.Limit(limit), cancellationToken);
    }

    public async Task<PurchaseOrderView?> AnyPurchaseOrderAsync(Guid id, CancellationToken cancellationToken = default) =>
        (await ViewsAsync(db.PurchaseOrders.AsNoTracking().Where(o => o.Id == id), cancellationToken)).SingleOrDefault();

    /// <summary>The customer organization's shipment requests, newest first.</summary>
    public async Task<Page<ShipmentView>> ShipmentsAsync(
        Guid organizationId, ShipmentFilter filter, string? cursor, int? limit, CancellationToken cancellationToken = default)
    {
        var take = Cursor.Limit(limit);
        var after = Cursor.Decode(cursor);
        var shipments = Filtered(organizationId, filter);
        if (after is { } last)
        {
            shipments = shipments.Where(s => s.Id.CompareTo(last) < 0);
        }

        var rows = await Rows(shipments.OrderByDescending(s => s.Id).Take(take + 1)).ToListAsync(cancellationToken);
        var lines = await LinesAsync(rows.Select(r => r.PurchaseOrderId).Distinct().ToList(), cancellationToken);
        return new Page<ShipmentView>(
            [.. rows.Take(take).Select(r => r.ToView(lines))], rows.Count > take ? Cursor.Encode(rows[take - 1].Id) : null);
    }

    public async Task<ShipmentView?> ShipmentAsync(Guid organizationId, Guid id, CancellationToken cancellationToken = default)
    {
        var row = await Rows(db.ShipmentRequests.AsNoTracking().Where(s => s.OrganizationId == organizationId && s.Id == id)).SingleOrDefaultAsync(cancellationToken);
        return row?.ToView(await LinesAsync([row.PurchaseOrderId], cancellationToken));
    }

    /// <summary>Every matching shipment request, streamed from the database (for the CSV download).</summary>
    public async IAsyncEnumerable<ShipmentView> AllShipmentsAsync(
        Guid organizationId, ShipmentFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var orders = await db.PurchaseOrders.AsNoTracking().Where(o => o.CustomerOrganizationId == organizationId).Select(o => o.Id).ToListAsync(cancellationToken);
        var lines = await LinesAsync(orders, cancellationToken);
        await foreach (var row in Rows(Filtered(organizationId, filter).OrderByDescending(s => s.Id)).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return row.ToView(lines);
        }
    }

    /// <summary>
    /// Shipment requests with their items as stored (line and quantity); products are looked up
    /// from the orders' lines afterwards, which keeps the query a range on the organization's index
    /// and its items' index instead of a join over every item of every order.
    /// </summary>
    private IQueryable<ShipmentRow> Rows(IQueryable<ShipmentRequest> shipments) =>
        from s in shipments
        join o in db.PurchaseOrders on s.PurchaseOrderId equals o.Id
        select new ShipmentRow(
            s.Id,
            s.PurchaseOrderId,
            o.Number,
            s.State,
            new ShippingAddress(s.RecipientName, s.Email, s.Phone, s.Street, s.City, s.Region, s.PostalCode, s.Country),
            s.ValidationOverrideReason,
            s.Items.Select(i => new ItemRow(i.PurchaseOrderLineId, i.Quantity)).ToList(),
            s.CreatedAt,
            s.UpdatedAt,
            s.ShippedAt);

    private async Task<Dictionary<Guid, PurchaseOrderLine>> LinesAsync(List<Guid> orderIds, CancellationToken ct) =>
        await db.PurchaseOrderLines.AsNoTracking().Where(l => orderIds.Contains(l.PurchaseOrderId)).ToDictionaryAsync(l => l.Id, ct);

    private sealed record ItemRow(Guid LineId, int Quantity);

    private sealed record ShipmentRow(
        Guid Id, Guid PurchaseOrderId, string Number, ShipmentState State, ShippingAddress Recipient, string? Reason, List<ItemRow> Items,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? ShippedAt)
    {
        public ShipmentView ToView(Dictionary<Guid, PurchaseOrderLine> lines) => new(
            Id, PurchaseOrderId, Number, State, Recipient, Reason,
            [.. Items.Select(i => (Line: lines[i.LineId], i.Quantity)).OrderBy(i => i.Line.Position).Select(i => new ShipmentItemView(i.Line.Id, i.Line.Product, i.Quantity))],
            CreatedAt, UpdatedAt, ShippedAt);
    }

    private IQueryable<ShipmentRequest> Filtered(Guid organizationId, ShipmentFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var shipments = db.ShipmentRequests.AsNoTracking().Where(s => s.OrganizationId == organizationId);
        if (filter.State is { } state)
        {
            shipments = shipments.Where(s => s.State == state);
        }

        if (filter.PurchaseOrderId is { } order)
        {
            shipments = shipments.Where(s => s.PurchaseOrderId == order);
        }

        return shipments;
    }

    private IQueryable<PurchaseOrder> Visible(Guid organizationId, bool asCustomer, bool asChannel) =>
        db.PurchaseOrders.AsNoTracking().Where(o =>
            (asCustomer && o.CustomerOrganizationId == organizationId)
            || (asChannel && (o.ResellerOrganizationId == organizationId || o.DistributorOrganizationId == organizationId)));

    private async Task<Page<PurchaseOrderView>> PageOfOrdersAsync(IQueryable<PurchaseOrder> orders, Guid? after, int take, CancellationToken ct)
    {
        if (after is { } last)
        {
            orders = orders.Where(o => o.Id.CompareTo(last) < 0);
        }

        var views = await ViewsAsync(orders.OrderByDescending(o => o.Id).Take(take + 1), ct);
        return new Page<PurchaseOrderView>([.. views.Take(take)], views.Count > take ? Cursor.Encode(views[take - 1].Id) : null);
    }

    /// <summary>Orders with their lines, organizations' names and shipping progress: three queries for any number of orders.</summary>
    private async Task<List<PurchaseOrderView>> ViewsAsync(IQueryable<PurchaseOrder> orders, CancellationToken ct)
    {
        var rows = await orders
            .Select(o => new
            {
                o.Id,
                o.Number,
                o.CreatedAt,
                Customer = db.Organizations.Where(x => x.Id == o.CustomerOrganizationId).Select(x => new OrganizationReference(x.Id, x.Name)).Single(),
                Reseller = db.Organizations.Where(x => x.Id == o.ResellerOrganizationId).Select(x => new OrganizationReference(x.Id, x.Name)).SingleOrDefault(),
                Distributor = db.Organizations.Where(x => x.Id == o.DistributorOrganizationId).Select(x => new OrganizationReference(x.Id, x.Name)).SingleOrDefault(),
                Lines = o.Lines.OrderBy(l => l.Position).Select(l => new { l.Id, l.Position, l.Product, l.Quantity }).ToList(),
            })
            .ToListAsync(ct);
        if (rows.Count == 0)
        {
            return [];
        }

        var ids = rows.Select(r => r.Id).ToList();
        var allocated = await (
                from i in db.ShipmentItems
                join s in db.ShipmentRequests on i.ShipmentRequestId equals s.Id
                where ids.Contains(s.PurchaseOrderId) && s.State != ShipmentState.Cancelled
                group i.Quantity by new { i.PurchaseOrderLineId, s.State } into g
                select new { g.Key.PurchaseOrderLineId, g.Key.State, Quantity = g.Sum() })
            .ToListAsync(ct);
        var states = await db.ShipmentRequests.AsNoTracking()
            .Where(s => ids.Contains(s.PurchaseOrderId))
            .GroupBy(s => new { s.PurchaseOrderId, s.State })
            .Select(g => new { g.Key.PurchaseOrderId, g.Key.State, Count = g.Count() })
            .ToListAsync(ct);

        return [.. rows.Select(r =>
        {
            var lines = r.Lines.Select(l =>
            {
                var shipped = allocated.Where(a => a.PurchaseOrderLineId == l.Id && a.State == ShipmentState.Shipped).Sum(a => a.Quantity);
                var open = allocated.Where(a => a.PurchaseOrderLineId == l.Id && a.State != ShipmentState.Shipped).Sum(a => a.Quantity);
                return new PurchaseOrderLineView(l.Id, l.Position, l.Product, l.Quantity, open, shipped, l.Quantity - open - shipped);
            }).ToList();
            int Count(ShipmentState state) => states.Where(s => s.PurchaseOrderId == r.Id && s.State == state).Sum(s => s.Count);
            return new PurchaseOrderView(
                r.Id, r.Number, r.Customer, r.Reseller, r.Distributor, r.CreatedAt, lines,
                new ShipmentProgress(Count(ShipmentState.Requested), Count(ShipmentState.InProgress), Count(ShipmentState.Shipped), Count(ShipmentState.Cancelled)));
        })];
    }
}
