using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Core.Authorization;

/// <summary>
/// Grants a <see cref="PermissionRequirement"/> when the signed-in user's membership in the
/// organization, read from the database on every request, carries a role that holds the
/// permission and the user's state allows acting. Role changes, removals and suspensions
/// therefore take effect on the next request, not when a cookie or token expires.
/// </summary>
public sealed class PermissionAuthorizationHandler(PortalDbContext db, IServiceProvider services)
    : AuthorizationHandler<PermissionRequirement>
{
    /// <summary>The claim holding the user id: OIDC <c>sub</c> or ASP.NET's name identifier.</summary>
    public static Guid? UserIdOf(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var value = principal.FindFirstValue(KeyPortal.Core.Sessions.KeyPortalClaims.Subject) ?? principal.FindFirstValue(ClaimTypes.NameIdentifier);
        return Guid.TryParse(value, out var id) ? id : null;
    }

    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(requirement);
        if (context.User.Identity?.IsAuthenticated != true || UserIdOf(context.User) is not { } userId)
        {
            return;
        }

        var organizationId = context.Resource switch
        {
            OrganizationResource resource => resource.OrganizationId,
            _ => services.GetService<ICurrentOrganization>()?.OrganizationId,
        };
        if (organizationId is null)
        {
            return;
        }

        var membership = await db.Memberships.AsNoTracking()
            .Where(m => m.OrganizationId == organizationId && m.UserId == userId)
            .Select(m => new { m.OrganizationRole, m.ChannelRoles, m.User.State })
            .SingleOrDefaultAsync();
        if (membership is not null
            && PermissionMatrix.Allows(membership.State, new MemberRoles(membership.OrganizationRole, membership.ChannelRoles), requirement.Permission))
        {
            context.Succeed(requirement);
        }
    }
}
