using KeyPortal.Core.Authorization;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Errors;
using KeyPortal.Hosting;
using KeyPortal.Hosting.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace KeyPortal.Portal.Pages.PurchaseOrders;

/// <summary>
/// Purchase orders: the current organization's own (as customer) and those naming it as reseller
/// or distributor, newest first, by number prefix, a page at a time. Nothing here is personal
/// data: recipients are on shipment requests, which this page never reads.
/// </summary>
[RequirePermission(Permission.ViewOrganization)]
public sealed class IndexModel(CurrentMember organization, DeliveryQueries queries) : PurchaseOrderPageModel(organization)
{
    public const string Path = "/purchase-orders";

    /// <summary>Orders whose number starts with this text.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Number { get; set; }

    /// <summary>Where the page starts (the cursor of the previous page's last order).</summary>
    [BindProperty(SupportsGet = true, Name = "cursor")]
    public string? After { get; set; }

    public Page<PurchaseOrderView> Orders { get; private set; } = new([], null);

    public string? Error { get; private set; }

    public Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => ListAsync(cancellationToken);

    [RequirePermission(Permission.ViewChannelPurchaseOrders)]
    public Task<IActionResult> OnGetChannelAsync(CancellationToken cancellationToken) => ListAsync(cancellationToken);

    /// <summary>This list's address with its filter, starting at <paramref name="cursor"/>.</summary>
    public string Link(string? cursor) =>
        QueryHelpers.AddQueryString(Path, new Dictionary<string, string?>
        {
            ["number"] = Number,
            ["cursor"] = cursor,
        }.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary());

    private async Task<IActionResult> ListAsync(CancellationToken cancellationToken)
    {
        Number = Number?.Trim() is { Length: > 0 } number ? number[..Math.Min(number.Length, PurchaseOrder.MaxNumberLength)] : null;
        try
        {
            Orders = await queries.PurchaseOrdersAsync(Current.Id, AsCustomer, AsChannel, Number, After, limit: null, cancellationToken);
        }
        catch (DomainException error)
        {
            // A cursor that is not one of ours (edited by hand): say so, with the first page's link.
            Error = error.Error.Message;
            Response.StatusCode = DomainExceptionHandler.StatusCodeOf(error.Error);
        }

        return Page();
    }
}
