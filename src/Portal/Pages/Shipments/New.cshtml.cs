using KeyPortal.Core.Authorization;
using KeyPortal.Core.Delivery;
using KeyPortal.Hosting;
using KeyPortal.Hosting.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace KeyPortal.Portal.Pages.Shipments;

/// <summary>
/// Create shipment request, from one of the customer organization's purchase orders
/// (<c>?purchaseOrderId=</c>; without it, the page asks which). Owners and Admins (EditShipmentRequests).
/// </summary>
[RequirePermission(Permission.EditShipmentRequests)]
public sealed class NewModel(CurrentMember organization, PortalDbContext db, DeliveryQueries queries, ShipmentService shipments)
    : ShipmentFormModel(organization)
{
    [BindProperty(SupportsGet = true)]
    public Guid? PurchaseOrderId { get; set; }

    /// <summary>The organization's orders with keys left to ship, when no order was named.</summary>
    public IReadOnlyList<PurchaseOrderView> Choices { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (PurchaseOrderId is null)
        {
            var orders = await queries.PurchaseOrdersAsync(Current.Id, asCustomer: true, asChannel: false, null, null, Cursor.MaxLimit, cancellationToken);
            Choices = [.. orders.Items.Where(o => o.Lines.Any(l => l.Remaining > 0))];
            return Page();
        }

        return await LoadAsync(cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken))
        {
            return NotFound();
        }

        var actor = await HttpContext.SignedInActorAsync(db);
        return await SaveAsync(ItemsFromForm(), async input => (await shipments.CreateAsync(actor, Current.Id, input, cancellationToken)).Id, "created");
    }

    /// <summary>The named order, if it is the current organization's own (a channel partner's view never gets here).</summary>
    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        Order = PurchaseOrderId is { } id
            ? await queries.PurchaseOrderAsync(Current.Id, asCustomer: true, asChannel: false, id, cancellationToken)
            : null;
        Available = Order?.Lines.ToDictionary(l => l.Id, l => l.Remaining) ?? [];
        return Order is not null;
    }
}
