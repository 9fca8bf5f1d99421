using KeyPortal.Core.Authorization;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Errors;
using KeyPortal.Hosting;
using KeyPortal.Hosting.Authorization;
using KeyPortal.Portal.Organizations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace KeyPortal.Portal.Pages.Shipments;

/// <summary>
/// Shipments: the customer organization's shipment requests with their recipients, newest first,
/// by state and purchase order, a page at a time. Owners, Admins and Auditors (ViewOrganization);
/// Owners also download them as CSV (DownloadCsv).
/// </summary>
[RequirePermission(Permission.ViewOrganization)]
public sealed class IndexModel(CurrentMember organization, DeliveryQueries queries) : OrganizationPageModel(organization)
{
    public const string Path = "/shipments";

    [BindProperty(SupportsGet = true)]
    public ShipmentState? State { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? PurchaseOrderId { get; set; }

    [BindProperty(SupportsGet = true, Name = "cursor")]
    public string? After { get; set; }

    public Page<ShipmentView> Shipments { get; private set; } = new([], null);

    /// <summary>The organization's orders, for the purchase order filter.</summary>
    public IReadOnlyList<PurchaseOrderView> Orders { get; private set; } = [];

    public string? Error { get; private set; }

    public bool MayDownload => Allows(Permission.DownloadCsv);

    public ShipmentFilter Filter => new(State, PurchaseOrderId);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var orders = (await queries.PurchaseOrdersAsync(Current.Id, asCustomer: true, asChannel: false, null, null, Cursor.MaxLimit, cancellationToken)).Items;
        // An order older than the newest ones listed stays choosable when it is the one filtered by.
        if (PurchaseOrderId is { } chosen && orders.All(o => o.Id != chosen)
            && await queries.PurchaseOrderAsync(Current.Id, asCustomer: true, asChannel: false, chosen, cancellationToken) is { } older)
        {
            orders = [.. orders, older];
        }

        Orders = orders;
        try
        {
            Shipments = await queries.ShipmentsAsync(Current.Id, Filter, After, limit: null, cancellationToken);
        }
        catch (DomainException error)
        {
            Error = error.Error.Message;
            Response.StatusCode = DomainExceptionHandler.StatusCodeOf(error.Error);
        }

        return Page();
    }

    /// <summary>This list's (or its CSV's) address with its filters, starting at <paramref name="cursor"/>.</summary>
    public string Link(string? cursor, string path = Path) =>
        QueryHelpers.AddQueryString(path, new Dictionary<string, string?>
        {
            ["state"] = State?.ToString(),
            ["purchaseOrderId"] = PurchaseOrderId?.ToString(),
            ["cursor"] = cursor,
        }.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary());
}
