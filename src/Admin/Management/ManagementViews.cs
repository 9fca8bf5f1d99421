using KeyPortal.Core.Errors;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;

namespace KeyPortal.Admin.Management;

/// <summary>
/// Kinds and roles as the API reads and writes them: lists of names (<c>["Customer","Reseller"]</c>,
/// <c>["Owner","Distributor"]</c>), never numbers or flag strings.
/// </summary>
internal static class ManagementNames
{
    private static readonly OrganizationKind[] Kinds = [OrganizationKind.Customer, OrganizationKind.Reseller, OrganizationKind.Distributor];

    public static IReadOnlyList<string> KindNames(OrganizationKind kind) =>
        [.. Kinds.Where(k => kind.HasFlag(k)).Select(k => k.ToString())];

    /// <summary>Names of kinds (any case); an unknown name is refused, an empty list is left to Core's rule.</summary>
    public static OrganizationKind ParseKinds(IEnumerable<string?>? names)
    {
        var kind = OrganizationKind.None;
        foreach (var raw in names ?? [])
        {
            var name = raw?.Trim();
            var match = Kinds.Where(k => string.Equals(k.ToString(), name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (match.Count == 0)
            {
                throw new DomainException(DomainErrors.OrganizationKindUnknown);
            }

            kind |= match[0];
        }

        return kind;
    }

    public static IReadOnlyList<string> RoleNames(MemberRoles roles)
    {
        List<string> names = [];
        if (roles.OrganizationRole is { } role)
        {
            names.Add(role.ToString());
        }

        names.AddRange(Enum.GetValues<ChannelRoles>().Where(c => c != ChannelRoles.None && roles.ChannelRoles.HasFlag(c)).Select(c => c.ToString()));
        return names;
    }
}
