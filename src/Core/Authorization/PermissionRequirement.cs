using Microsoft.AspNetCore.Authorization;

namespace KeyPortal.Core.Authorization;

/// <summary>Requires <see cref="Permission"/> in the current organization, checked against the live database.</summary>
public sealed class PermissionRequirement(Permission permission) : IAuthorizationRequirement
{
    public Permission Permission { get; } = permission;

    /// <summary>The name of the policy that requires <paramref name="permission"/> (one per permission).</summary>
    public static string PolicyName(Permission permission) => $"permission:{permission}";
}

/// <summary>An explicit organization to authorize against, passed as the authorization resource.</summary>
public sealed record OrganizationResource(Guid OrganizationId);
