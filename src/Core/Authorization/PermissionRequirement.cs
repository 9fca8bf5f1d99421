using Microsoft.AspNetCore.Authorization;

namespace KeyPortal.Core.Authorization;

/// <summary>Requires <see cref="Permission"/> in the current organization, checked against the live database.</summary>
public sealed class PermissionRequirement(Permission permission) : IAuthorizationRequirement
{
    public Permission Permission { get; } = permission;

    public static string PolicyName(Permission permission) => $"permission:{permission}";
}

/// <summary>
/// Names the organization a request acts in. Apps provide it (the Portal from the session's
/// current organization); a handler may also pass an <see cref="OrganizationResource"/> explicitly.
/// </summary>
public interface ICurrentOrganization
{
    Guid? OrganizationId { get; }
}

/// <summary>An explicit organization to authorize against, passed as the authorization resource.</summary>
public sealed record OrganizationResource(Guid OrganizationId);
