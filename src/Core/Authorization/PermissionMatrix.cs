using System.Collections.Frozen;

namespace KeyPortal.Core.Authorization;

/// <summary>
/// The single source of truth for authorization inside an organization: which role holds which
/// permission. Every app checks it through the <see cref="PermissionRequirement"/> policies.
/// </summary>
public static class PermissionMatrix
{
    private const OrganizationRole Owner = OrganizationRole.Owner;
    private const OrganizationRole Admin = OrganizationRole.Admin;
    private const OrganizationRole Auditor = OrganizationRole.Auditor;

    /// <summary>Permission → (label as written in SPEC.md, organization roles that hold it, channel roles that hold it).</summary>
    private static readonly FrozenDictionary<Permission, Grant> Grants = new Dictionary<Permission, Grant>
    {
        [Permission.ManageMembers] = new("Add/delete organization members", [Owner]),
        [Permission.ChangeMemberRoles] = new("Change member roles", [Owner]),
        [Permission.ResetMemberCredentials] = new("Reset member login credentials (reset user, reset password)", [Owner]),
        [Permission.EditShipmentRequests] = new("Create/edit shipment requests", [Owner, Admin]),
        [Permission.CorrectShippingAddresses] = new("Correct shipping addresses", [Owner, Admin]),
        [Permission.ViewOrganization] = new("View shipments, purchase orders, organization settings", [Owner, Admin, Auditor]),
        [Permission.ManagePersonalCredentials] = new("Manage personal login credentials", [Owner, Admin, Auditor]),
        [Permission.ViewMembers] = new("View other members (names, emails, roles)", [Owner, Admin, Auditor]),
        [Permission.GenerateApiToken] = new("Generate API token", [Owner, Admin]),
        [Permission.OverrideAddressValidation] = new("Override address validation", [Owner, Admin]),
        [Permission.DownloadCsv] = new("Download CSV files", [Owner]),
        [Permission.ViewAuditTrail] = new("Read the organization's audit trail", [Owner, Admin, Auditor]),
        [Permission.ConfigureSso] = new("Configure single sign-on", [Owner]),
        [Permission.ViewChannelPurchaseOrders] = new(
            "Read purchase orders naming the organization as reseller or distributor", [], ChannelRoles.Reseller | ChannelRoles.Distributor),
    }.ToFrozenDictionary();

    /// <summary>What a user in <see cref="UserState.ActiveDemo"/> may still do: onboarding only.</summary>
    private static readonly FrozenSet<Permission> DemoMode =
        new[] { Permission.ViewOrganization, Permission.ManagePersonalCredentials, Permission.ViewMembers }.ToFrozenSet();

    public static IEnumerable<Permission> All => Grants.Keys;

    public static string Label(Permission permission) => Grants[permission].Label;

    /// <summary>Whether the membership roles grant the permission (state not considered).</summary>
    public static bool Allows(MemberRoles roles, Permission permission)
    {
        if (!Grants.TryGetValue(permission, out var grant))
        {
            return false;
        }

        return (roles.OrganizationRole is { } role && grant.OrganizationRoles.Contains(role))
            || (grant.ChannelRoles & roles.ChannelRoles) != ChannelRoles.None;
    }

    /// <summary>Whether a user in <paramref name="state"/> with <paramref name="roles"/> may act.</summary>
    public static bool Allows(UserState state, MemberRoles roles, Permission permission) => state switch
    {
        UserState.Active => Allows(roles, permission),
        UserState.ActiveDemo => DemoMode.Contains(permission) && Allows(roles, permission),
        _ => false,
    };

    /// <summary>True when demo mode is what keeps a user from the permission (to tell them to register a passkey).</summary>
    public static bool IsBlockedByDemoMode(UserState state, MemberRoles roles, Permission permission) =>
        state == UserState.ActiveDemo && Allows(roles, permission) && !DemoMode.Contains(permission);

    private sealed record Grant(string Label, OrganizationRole[] OrganizationRoles, ChannelRoles ChannelRoles = ChannelRoles.None);
}
