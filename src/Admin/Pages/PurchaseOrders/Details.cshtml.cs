using KeyPortal.Core.Delivery;
using KeyPortal.Core.Errors;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;

namespace KeyPortal.Admin.Pages.PurchaseOrders;

/// <summary>
/// One purchase order for operators: its lines with their progress and its shipment requests,
/// which operators fulfil, so they see the recipients here. "Start fulfilment", "Mark shipped" and
/// "Cancel" (after a confirmation) go through <see cref="ShipmentService.MoveAsync"/>, which checks
/// the move and audits it with the operator as actor. An order's shipment requests all belong to
/// its customer organization, so the customer's own query reads them.
/// </summary>
public sealed class DetailsModel(PortalDbContext db, DeliveryQueries queries, ShipmentService shipments) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    /// <summary>Only the shipment requests in this state.</summary>
    [BindProperty(SupportsGet = true, Name = "state")]
    public ShipmentState? StateFilter { get; set; }

    /// <summary>Where the list of shipment requests starts (the cursor of the previous page's last one).</summary>
    [BindProperty(SupportsGet = true, Name = "cursor")]
    public string? After { get; set; }

    /// <summary>The shipment request whose cancellation is being confirmed.</summary>
    [BindProperty(SupportsGet = true, Name = "confirm")]
    public Guid? Confirming { get; set; }

    /// <summary>What the last change did (after its redirect): <c>created</c> or the state a shipment moved to.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    /// <summary>The shipment request the last change was about.</summary>
    [BindProperty(SupportsGet = true, Name = "shipment")]
    public Guid? Subject { get; set; }

    [BindProperty]
    public Guid ShipmentId { get; set; }

    [BindProperty]
    public ShipmentState? To { get; set; }

    public PurchaseOrderView Order { get; private set; } = null!;

    public Page<ShipmentView> Shipments { get; private set; } = new([], null);

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await queries.AnyPurchaseOrderAsync(Id, cancellationToken) is not { } order)
        {
            return NotFound();
        }

        Order = order;
        await LoadShipmentsAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostMoveAsync(CancellationToken cancellationToken)
    {
        if (await queries.AnyPurchaseOrderAsync(Id, cancellationToken) is not { } order)
        {
            return NotFound();
        }

        Order = order;
        if (To is not { } to || !ModelState.IsValid)
        {
            return await ShowErrorAsync("Choose what to do with the shipment request.", StatusCodes.Status400BadRequest, cancellationToken);
        }

        // The shipment must be one of this order's: a post naming another order's is not found here.
        if (await queries.ShipmentAsync(order.Customer.Id, ShipmentId, cancellationToken) is not { } shipment || shipment.PurchaseOrderId != order.Id)
        {
            return await ShowErrorAsync(DomainErrors.ShipmentNotFound, cancellationToken);
        }

        try
        {
            await shipments.MoveAsync(await HttpContext.SignedInActorAsync(db), shipment.Id, to, cancellationToken);
        }
        catch (DomainException refused)
        {
            return await ShowErrorAsync(refused.Error, cancellationToken);
        }

        // Post/Redirect/Get, back to the same view of the list.
        Confirming = null;
        return Redirect(Link(After, new Dictionary<string, string?> { ["done"] = to.ToString(), ["shipment"] = shipment.Id.ToString() }) + "#shipments");
    }

    /// <summary>This page's address with the list's filter, starting at <paramref name="cursor"/>, with <paramref name="extra"/> query values.</summary>
    public string Link(string? cursor, IDictionary<string, string?>? extra = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["state"] = StateFilter?.ToString(),
            ["cursor"] = cursor,
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            query[name] = value;
        }

        return QueryHelpers.AddQueryString($"/purchase-orders/{Id}", query.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary());
    }

    /// <summary>What the banner after a change says.</summary>
    public string? DoneMessage => Done switch
    {
        "created" => $"Purchase order {Order.Number} was created.",
        nameof(ShipmentState.InProgress) => "Fulfilment of the shipment request has started.",
        nameof(ShipmentState.Shipped) => "The shipment request is marked shipped.",
        nameof(ShipmentState.Cancelled) => "The shipment request was cancelled; its quantity is free for new requests.",
        _ => null,
    };

    private Task<IActionResult> ShowErrorAsync(DomainError error, CancellationToken cancellationToken) =>
        ShowErrorAsync(error.Message, DomainExceptionHandler.StatusCodeOf(error), cancellationToken);

    private async Task<IActionResult> ShowErrorAsync(string message, int statusCode, CancellationToken cancellationToken)
    {
        // Nothing changed; the order is shown again with the reason.
        Error = message;
        Done = null;
        Confirming = null;
        Response.StatusCode = statusCode;
        db.ChangeTracker.Clear();
        await LoadShipmentsAsync(cancellationToken);
        return Page();
    }

    private async Task LoadShipmentsAsync(CancellationToken cancellationToken)
    {
        try
        {
            Shipments = await queries.ShipmentsAsync(Order.Customer.Id, new ShipmentFilter(StateFilter, Order.Id), After, limit: null, cancellationToken);
        }
        catch (DomainException error)
        {
            // A cursor that is not one of ours (edited by hand).
            Error ??= error.Error.Message;
            After = null;
            if (Response.StatusCode < StatusCodes.Status400BadRequest)
            {
                Response.StatusCode = DomainExceptionHandler.StatusCodeOf(error.Error);
            }
        }
    }
}
