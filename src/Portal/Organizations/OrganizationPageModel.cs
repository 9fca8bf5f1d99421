using KeyPortal.Core.Auditing;
using KeyPortal.Core.Authorization;
using KeyPortal.Hosting.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Portal.Organizations;

/// <summary>
/// A page of the current organization. Every handler states the permission it needs with
/// <see cref="RequirePermissionAttribute"/> (on the handler, or on the page for all of its
/// handlers); a refusal renders the page's refusal banner with 403 and nothing else.
/// </summary>
public abstract class OrganizationPageModel(CurrentMember organization) : PageModel, IRefusingPage
{
    protected CurrentMember Organization => organization;

    /// <summary>The current organization (a Portal user always has one; the admission rule checks it).</summary>
    public OrganizationMembership Current => organization.Current ?? throw new InvalidOperationException("No current organization.");

    /// <summary>Why the page refused the request; the page shows only this.</summary>
    public string? Refusal { get; private set; }

    /// <summary>Refused only until the account registers a passkey.</summary>
    public bool RefusedForDemoMode { get; private set; }

    public bool Allows(Permission permission) => organization.Allows(permission);

    /// <summary>Shows the page's refusal banner, with 403 and nothing else (the permission filter calls it before the handler).</summary>
    public IActionResult Refuse(Permission permission)
    {
        RefusedForDemoMode = organization.IsBlockedByDemoMode(permission);
        Refusal = organization.RefusalOf(permission);
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Page();
    }

    /// <summary>The roles this organization's kind offers, as forms list them.</summary>
    public IReadOnlyList<string> OfferedRoles => MemberRoles.OfferedBy(Current.Kind);
}
