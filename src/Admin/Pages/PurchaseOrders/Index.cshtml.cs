using KeyPortal.Core.Delivery;
using KeyPortal.Core.Errors;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;

namespace KeyPortal.Admin.Pages.PurchaseOrders;

/// <summary>
/// Every purchase order, for operators (the console admits only platform operators), newest
/// first, a page at a time, optionally only those naming one organization as customer, reseller
/// or distributor.
/// </summary>
public sealed class IndexModel(PortalDbContext db, DeliveryQueries queries) : PageModel
{
    public const string Path = "/purchase-orders";

    /// <summary>Only the orders naming this organization.</summary>
    [BindProperty(SupportsGet = true, Name = "organizationId")]
    public Guid? OrganizationId { get; set; }

    /// <summary>Where the page starts (the cursor of the previous page's last order).</summary>
    [BindProperty(SupportsGet = true, Name = "cursor")]
    public string? After { get; set; }

    public Page<PurchaseOrderView> Orders { get; private set; } = new([], null);

    public IReadOnlyList<OrganizationChoice> Organizations { get; private set; } = [];

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Organizations = await OrganizationChoices.LoadAsync(db, cancellationToken);
        try
        {
            Orders = await queries.AllPurchaseOrdersAsync(OrganizationId, After, limit: null, cancellationToken);
        }
        catch (DomainException error)
        {
            // A cursor that is not one of ours (edited by hand): say so, with the first page's link.
            Error = error.Error.Message;
            Response.StatusCode = DomainExceptionHandler.StatusCodeOf(error.Error);
        }

        return Page();
    }

    /// <summary>This list's address with its filter, starting at <paramref name="cursor"/>.</summary>
    public string Link(string? cursor) =>
        QueryHelpers.AddQueryString(Path, new Dictionary<string, string?>
        {
            ["organizationId"] = OrganizationId?.ToString(),
            ["cursor"] = cursor,
        }.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary());
}
