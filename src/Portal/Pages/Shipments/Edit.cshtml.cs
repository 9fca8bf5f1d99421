using KeyPortal.Core.Authorization;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Errors;
using KeyPortal.Hosting;
using KeyPortal.Hosting.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace KeyPortal.Portal.Pages.Shipments;

/// <summary>
/// Edit a shipment request. While it is requested, its recipient, address and items change
/// (EditShipmentRequests); once in progress only the address can be corrected
/// (CorrectShippingAddresses: the <see cref="CorrectHandler"/> handlers, chosen by the request's
/// state); once shipped or cancelled, nothing. <see cref="ShipmentService"/> checks all of it again
/// in its transaction.
/// </summary>
[RequirePermission(Permission.EditShipmentRequests)]
public sealed class EditModel(CurrentMember organization, PortalDbContext db, DeliveryQueries queries, ShipmentService shipments)
    : ShipmentFormModel(organization)
{
    public const string CorrectHandler = "Correct";

    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    public ShipmentView? Shipment { get; private set; }

    public override async Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var organizationId = Organization.OrganizationId;
        if (HandlerSelection.IsDefault(context) && organizationId is not null
            && Guid.TryParse(context.RouteData.Values["id"]?.ToString(), out var id)
            && await db.ShipmentRequests.AnyAsync(
                s => s.Id == id && s.OrganizationId == organizationId && s.State == ShipmentState.InProgress, context.HttpContext.RequestAborted))
        {
            HandlerSelection.Use(context, CorrectHandler);
        }
    }

    public Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => ShowAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken))
        {
            return NotFound();
        }

        var actor = await HttpContext.SignedInActorAsync(db);
        return await SaveAsync(ItemsFromForm(), async input => (await shipments.UpdateAsync(actor, Current.Id, Id, input, cancellationToken)).Id, "saved");
    }

    [RequirePermission(Permission.CorrectShippingAddresses)]
    public Task<IActionResult> OnGetCorrectAsync(CancellationToken cancellationToken) => ShowAsync(cancellationToken);

    /// <summary>The address only: the items sent are the stored ones, whatever the form held.</summary>
    [RequirePermission(Permission.CorrectShippingAddresses)]
    public async Task<IActionResult> OnPostCorrectAsync(CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken))
        {
            return NotFound();
        }

        var items = Shipment!.Items.Select(i => new ShipmentItemInput(i.LineId, i.Quantity)).ToList();
        Quantity = Shipment.Items.ToDictionary(i => i.LineId, i => (int?)i.Quantity);
        var actor = await HttpContext.SignedInActorAsync(db);
        return await SaveAsync(items, async input => (await shipments.UpdateAsync(actor, Current.Id, Id, input, cancellationToken)).Id, "saved");
    }

    private async Task<IActionResult> ShowAsync(CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken))
        {
            return NotFound();
        }

        var shipment = Shipment!;
        (RecipientName, Email, Phone, Street, City, Region, PostalCode, Country) = (
            shipment.Recipient.RecipientName, shipment.Recipient.Email, shipment.Recipient.Phone, shipment.Recipient.Street,
            shipment.Recipient.City, shipment.Recipient.Region, shipment.Recipient.PostalCode, shipment.Recipient.Country);
        Quantity = shipment.Items.ToDictionary(i => i.LineId, i => (int?)i.Quantity);
        // Saved with an override: saving again keeps it (with its reason) unless it is unticked.
        OverrideValidation = shipment.ValidationOverrideReason is not null;
        OverrideReason = shipment.ValidationOverrideReason;
        if (shipment.State is ShipmentState.Shipped or ShipmentState.Cancelled)
        {
            Error = DomainErrors.ShipmentClosed.Message;
            Response.StatusCode = DomainExceptionHandler.StatusCodeOf(DomainErrors.ShipmentClosed);
        }

        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        Shipment = await queries.ShipmentAsync(Current.Id, Id, cancellationToken);
        Order = Shipment is null ? null : await queries.PurchaseOrderAsync(Current.Id, asCustomer: true, asChannel: false, Shipment.PurchaseOrderId, cancellationToken);
        if (Shipment is null || Order is null)
        {
            return false;
        }

        var own = Shipment.Items.ToDictionary(i => i.LineId, i => i.Quantity);
        Available = Order.Lines.ToDictionary(l => l.Id, l => l.Remaining + own.GetValueOrDefault(l.Id));
        ItemsLocked = Shipment.State != ShipmentState.Requested;
        return true;
    }
}
