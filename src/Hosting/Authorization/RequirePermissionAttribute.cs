using KeyPortal.Core.Authorization;

namespace KeyPortal.Hosting.Authorization;

/// <summary>
/// The permission a page handler needs in the current organization. On a page model it is the
/// permission of every handler that does not state its own; on a handler method it replaces the
/// page's. <see cref="PermissionPageFilter"/> enforces it through the permission policy
/// (<see cref="PermissionRequirement.PolicyName"/>) before the handler runs. Minimal APIs say the
/// same with <c>RequireAuthorization(PermissionRequirement.PolicyName(Permission.X))</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class RequirePermissionAttribute(Permission permission) : Attribute
{
    public Permission Permission { get; } = permission;

    public string Policy => PermissionRequirement.PolicyName(Permission);
}
