using KeyPortal.Core.Auditing;
using KeyPortal.Core.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Portal.Organizations;

/// <summary>
/// A page of the current organization. Every handler states the permission it needs with
/// <see cref="Require"/>; a refusal renders the page's refusal banner with 403 and nothing else.
/// </summary>
public abstract class OrganizationPageModel(CurrentOrganization organization) : PageModel
{
    protected CurrentOrganization Organization => organization;

    /// <summary>The current organization (a Portal user always has one; the admission rule checks it).</summary>
    public OrganizationMembership Current => organization.Current ?? throw new InvalidOperationException("No current organization.");

    /// <summary>Why the page refused the request; the page shows only this.</summary>
    public string? Refusal { get; private set; }

    /// <summary>Refused only until the account registers a passkey.</summary>
    public bool RefusedForDemoMode { get; private set; }

    public bool Allows(Permission permission) => organization.Allows(permission);

    /// <summary>True when the signed-in member holds <paramref name="permission"/> in the current organization.</summary>
    protected bool Require(Permission permission)
    {
        if (organization.Allows(permission))
        {
            return true;
        }

        RefusedForDemoMode = organization.IsBlockedByDemoMode(permission);
        Refusal = organization.Current is null
            ? "You are not a member of any organization."
            : RefusedForDemoMode
                ? "Your account is in demo mode: register a passkey on your security key first."
                : $"Your role in {organization.Current.Name} does not allow this: {PermissionMatrix.Label(permission)}.";
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return false;
    }

    /// <summary>The roles this organization's kind allows, as forms offer them.</summary>
    public IReadOnlyList<string> OfferedRoles
    {
        get
        {
            List<string> roles = [nameof(OrganizationRole.Owner), nameof(OrganizationRole.Admin), nameof(OrganizationRole.Auditor)];
            if (Current.Kind.HasFlag(Core.Organizations.OrganizationKind.Reseller))
            {
                roles.Add(nameof(ChannelRoles.Reseller));
            }

            if (Current.Kind.HasFlag(Core.Organizations.OrganizationKind.Distributor))
            {
                roles.Add(nameof(ChannelRoles.Distributor));
            }

            return roles;
        }
    }
}
