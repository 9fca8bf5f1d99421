using Microsoft.AspNetCore.Authorization;

namespace KeyPortal.Core.Authorization;

/// <summary>
/// Grants a <see cref="PermissionRequirement"/> when <see cref="CurrentMember"/> holds the
/// permission: in the organization passed as an <see cref="OrganizationResource"/>, else in the
/// one the member works in. The member's roles and state are read from the database on every
/// request, so role changes, removals and suspensions take effect on the next request, not when a
/// cookie or token expires.
/// </summary>
public sealed class PermissionAuthorizationHandler(CurrentMember member) : AuthorizationHandler<PermissionRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(requirement);
        await member.LoadAsync(context.User);
        var organizationId = context.Resource is OrganizationResource resource ? resource.OrganizationId : member.OrganizationId;
        if (member.Allows(organizationId, requirement.Permission))
        {
            context.Succeed(requirement);
        }
    }
}
