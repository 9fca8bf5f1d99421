using KeyPortal.Core.Authorization;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Errors;
using KeyPortal.Hosting;
using KeyPortal.Hosting.Authorization;
using KeyPortal.Portal.Organizations;
using Microsoft.AspNetCore.Mvc;

namespace KeyPortal.Portal.Pages.Shipments;

/// <summary>
/// One shipment request of the customer organization: recipient, items, state, and the reason of
/// a validation override. Editing and Cancel request (while requested) need EditShipmentRequests,
/// correcting the address once in progress CorrectShippingAddresses. Another organization's
/// request is 404, whatever its id.
/// </summary>
[RequirePermission(Permission.ViewOrganization)]
public sealed class DetailsModel(CurrentMember organization, PortalDbContext db, DeliveryQueries queries, ShipmentService shipments)
    : OrganizationPageModel(organization)
{
    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    /// <summary><c>cancel</c> shows the confirmation inline (the no-script path of the dialog).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Confirm { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public ShipmentView? Shipment { get; private set; }

    public string? Error { get; private set; }

    public bool MayEdit => Shipment is { State: ShipmentState.Requested } && Allows(Permission.EditShipmentRequests);

    public bool MayCorrectAddress => Shipment is { State: ShipmentState.InProgress } && Allows(Permission.CorrectShippingAddresses);

    public bool MayCancel => MayEdit;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : NotFound();

    [RequirePermission(Permission.EditShipmentRequests)]
    public async Task<IActionResult> OnPostCancelAsync(CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken))
        {
            return NotFound();
        }

        try
        {
            await shipments.CancelAsync(await HttpContext.SignedInActorAsync(db), Current.Id, Id, cancellationToken);
        }
        catch (DomainException error)
        {
            // Nothing changed (it started meanwhile, or shipped): say why on the same page.
            Error = error.Error.Message;
            Response.StatusCode = DomainExceptionHandler.StatusCodeOf(error.Error);
            db.ChangeTracker.Clear();
            await LoadAsync(cancellationToken);
            return Page();
        }

        return Redirect($"/shipments/{Id}?done=cancelled");
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        Shipment = await queries.ShipmentAsync(Current.Id, Id, cancellationToken);
        return Shipment is not null;
    }
}
