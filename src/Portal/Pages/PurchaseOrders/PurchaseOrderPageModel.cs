using KeyPortal.Core.Authorization;
using KeyPortal.Portal.Organizations;
using KeyPortal.Portal.Pages.Shipments;
using Microsoft.AspNetCore.Mvc.Filters;

namespace KeyPortal.Portal.Pages.PurchaseOrders;

/// <summary>
/// A purchase-order page. Two permissions read purchase orders (SPEC Roles and permissions): the
/// customer organization's Owners, Admins and Auditors read its own orders (ViewOrganization), and
/// Reseller and Distributor members read the orders naming their organization
/// (ViewChannelPurchaseOrders); a member holding both sees both. The default handlers need
/// ViewOrganization and the <see cref="ChannelHandler"/> ones ViewChannelPurchaseOrders; a member
/// who holds only the channel permission is given the latter (<see cref="HandlerSelection"/>).
/// Whoever holds neither is refused for want of ViewOrganization.
/// </summary>
public abstract class PurchaseOrderPageModel(CurrentMember organization) : OrganizationPageModel(organization)
{
    public const string ChannelHandler = "Channel";

    /// <summary>Reads the orders of the current organization as their customer.</summary>
    public bool AsCustomer => Allows(Permission.ViewOrganization);

    /// <summary>Reads the orders naming the current organization as reseller or distributor.</summary>
    public bool AsChannel => Allows(Permission.ViewChannelPurchaseOrders);

    public override void OnPageHandlerSelected(PageHandlerSelectedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (HandlerSelection.IsDefault(context) && !AsCustomer && AsChannel)
        {
            HandlerSelection.Use(context, ChannelHandler);
        }
    }
}
