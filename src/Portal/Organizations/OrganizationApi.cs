using KeyPortal.Core.Authorization;

namespace KeyPortal.Portal.Organizations;

/// <summary>The current organization over the API (<c>/api/organization</c>), for members with a bearer token.</summary>
internal static class OrganizationApi
{
    /// <summary>The organization as the API shows it.</summary>
    public sealed record OrganizationView(Guid Id, string Name, string ShortName, string Kind, MemberRoles Roles);

    public static RouteGroupBuilder MapOrganizationApi(this RouteGroupBuilder api)
    {
        // The organization the caller works in (a token carries no choice: the one joined first).
        api.MapGet("/organization", (CurrentMember member) => member.Current is { } current
                ? Results.Ok(new OrganizationView(current.Id, current.Name, current.Slug, current.Kind.ToString(), current.Roles))
                : Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The caller is a member of no organization."))
            .RequireAuthorization(PermissionRequirement.PolicyName(Permission.ViewOrganization))
            .WithName("CurrentOrganization");
        return api;
    }
}
