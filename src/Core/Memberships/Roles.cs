namespace KeyPortal.Core.Memberships;

/// <summary>The console role a member holds in an organization (at most one).</summary>
public enum OrganizationRole
{
    Owner = 1,
    Admin = 2,
    Auditor = 3,
}

/// <summary>Channel-partner roles; each only in an organization of the matching kind.</summary>
[Flags]
public enum ChannelRoles
{
    None = 0,
    Reseller = 1,
    Distributor = 2,
}

/// <summary>The roles of one membership: at most one organization role plus channel roles.</summary>
public readonly record struct MemberRoles(OrganizationRole? OrganizationRole, ChannelRoles ChannelRoles)
{
    public static MemberRoles Owner => new(Memberships.OrganizationRole.Owner, ChannelRoles.None);

    public static MemberRoles Admin => new(Memberships.OrganizationRole.Admin, ChannelRoles.None);

    public static MemberRoles Auditor => new(Memberships.OrganizationRole.Auditor, ChannelRoles.None);

    public bool IsOwner => OrganizationRole == Memberships.OrganizationRole.Owner;

    public bool IsEmpty => OrganizationRole is null && ChannelRoles == ChannelRoles.None;

    /// <summary>
    /// Parses role names as they come from forms and APIs ("Owner", "Reseller", ...),
    /// case-insensitively. Unknown names and two organization roles are refused.
    /// </summary>
    public static MemberRoles Parse(IEnumerable<string?> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        OrganizationRole? organizationRole = null;
        var channel = ChannelRoles.None;
        foreach (var raw in names)
        {
            var name = raw?.Trim();
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            if (TryParseExact<OrganizationRole>(name, out var role))
            {
                if (organizationRole is not null && organizationRole != role)
                {
                    throw new DomainException(DomainErrors.MultipleOrganizationRoles);
                }

                organizationRole = role;
            }
            else if (TryParseExact<ChannelRoles>(name, out var channelRole) && channelRole != ChannelRoles.None)
            {
                channel |= channelRole;
            }
            else
            {
                throw new DomainException(DomainErrors.RoleUnknown);
            }
        }

        return new MemberRoles(organizationRole, channel);
    }

    /// <summary>One role name as a filter or a single-choice form sends it; false when it names no role.</summary>
    public static bool TryParse(string? name, out MemberRoles roles)
    {
        roles = default;
        if (string.IsNullOrWhiteSpace(name))
        {
            return false;
        }

        try
        {
            roles = Parse([name]);
            return true;
        }
        catch (DomainException)
        {
            return false;
        }
    }

    /// <summary>The channel roles an organization of <paramref name="kind"/> may give (each only in its kind).</summary>
    public static ChannelRoles ChannelRolesOf(OrganizationKind kind) =>
        (kind.HasFlag(OrganizationKind.Reseller) ? ChannelRoles.Reseller : ChannelRoles.None)
        | (kind.HasFlag(OrganizationKind.Distributor) ? ChannelRoles.Distributor : ChannelRoles.None);

    /// <summary>The role names an organization of <paramref name="kind"/> offers, as forms list them.</summary>
    public static IReadOnlyList<string> OfferedBy(OrganizationKind kind)
    {
        List<string> names = [.. Enum.GetValues<OrganizationRole>().Select(r => r.ToString())];
        var channel = ChannelRolesOf(kind);
        names.AddRange(Enum.GetValues<ChannelRoles>().Where(c => c != ChannelRoles.None && channel.HasFlag(c)).Select(c => c.ToString()));
        return names;
    }

    /// <summary>Role names for display and audit, e.g. "Owner, Reseller".</summary>
    public override string ToString()
    {
        var names = new List<string>(3);
        if (OrganizationRole is { } role)
        {
            names.Add(role.ToString());
        }

        if (ChannelRoles.HasFlag(ChannelRoles.Reseller))
        {
            names.Add(nameof(ChannelRoles.Reseller));
        }

        if (ChannelRoles.HasFlag(ChannelRoles.Distributor))
        {
            names.Add(nameof(ChannelRoles.Distributor));
        }

        return names.Count == 0 ? "none" : string.Join(", ", names);
    }

    // Enum.TryParse also accepts numbers and comma lists; role names must be exact words.
    private static bool TryParseExact<TEnum>(string name, out TEnum value)
        where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (string.Equals(candidate.ToString(), name, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}
