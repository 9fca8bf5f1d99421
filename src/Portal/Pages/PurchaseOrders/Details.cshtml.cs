using KeyPortal.Core.Authorization;
using KeyPortal.Core.Delivery;
using KeyPortal.Hosting.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace KeyPortal.Portal.Pages.PurchaseOrders;

/// <summary>
/// One purchase order: its products with ordered, requested, shipped and remaining. The customer
/// organization's members also see the order's shipment requests and, with EditShipmentRequests,
/// create one. A channel partner's view is built from the order alone: no shipment request (and
/// so no recipient) is read for it. An order the organization may not see is 404, whatever its id.
/// </summary>
[RequirePermission(Permission.ViewOrganization)]
public sealed class DetailsModel(CurrentMember organization, DeliveryQueries queries) : PurchaseOrderPageModel(organization)
{
    /// <summary>How many of the order's shipment requests the page lists; the Shipments page has them all.</summary>
    public const int ShipmentsShown = 20;

    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    public PurchaseOrderView? Order { get; private set; }

    /// <summary>The order's shipment requests; null unless the current organization is its customer and the member may view them.</summary>
    public Page<ShipmentView>? Shipments { get; private set; }

    /// <summary>The current organization placed this order and the member reads it as its customer.</summary>
    public bool IsCustomersOwn => Order is { } order && order.Customer.Id == Current.Id && AsCustomer;

    public bool MayRequestShipment => IsCustomersOwn && Allows(Permission.EditShipmentRequests) && Order!.Lines.Any(l => l.Remaining > 0);

    public Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => ShowAsync(cancellationToken);

    [RequirePermission(Permission.ViewChannelPurchaseOrders)]
    public Task<IActionResult> OnGetChannelAsync(CancellationToken cancellationToken) => ShowAsync(cancellationToken);

    private async Task<IActionResult> ShowAsync(CancellationToken cancellationToken)
    {
        Order = await queries.PurchaseOrderAsync(Current.Id, AsCustomer, AsChannel, Id, cancellationToken);
        if (Order is null)
        {
            return NotFound();
        }

        // Personal data is the end customer's alone (SPEC): loaded only for its own members.
        if (IsCustomersOwn)
        {
            Shipments = await queries.ShipmentsAsync(Current.Id, new ShipmentFilter(PurchaseOrderId: Id), cursor: null, ShipmentsShown, cancellationToken);
        }

        return Page();
    }
}
