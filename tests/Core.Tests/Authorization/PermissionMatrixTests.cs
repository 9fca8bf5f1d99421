using KeyPortal.Core.Authorization;

namespace KeyPortal.Core.Tests.Authorization;

public sealed class PermissionMatrixTests
{
    /// <summary>Copied verbatim from SPEC.md, "Roles and permissions". Edit both together.</summary>
    private const string SpecTable = """
        | Permission | Owner | Admin | Auditor |
        |---|---|---|---|
        | Add/delete organization members | yes | no | no |
        | Change member roles | yes | no | no |
        | Reset member login credentials (reset user, reset password) | yes | no | no |
        | Create/edit shipment requests | yes | yes | no |
        | Correct shipping addresses | yes | yes | no |
        | View shipments, purchase orders, organization settings | yes | yes | yes |
        | Manage personal login credentials | yes | yes | yes |
        | View other members (names, emails, roles) | yes | yes | yes |
        | Generate API token | yes | yes | no |
        | Override address validation | yes | yes | no |
        | Download CSV files | yes | no | no |
        """;

    /// <summary>Permissions granted by SPEC prose rather than the table, and by whom.</summary>
    private static readonly Dictionary<Permission, OrganizationRole[]> OutsideTable = new()
    {
        // "Owners, Admins and Auditors can read their organization's audit trail."
        [Permission.ViewAuditTrail] = [OrganizationRole.Owner, OrganizationRole.Admin, OrganizationRole.Auditor],
        // "Owners configure it." (single sign-on)
        [Permission.ConfigureSso] = [OrganizationRole.Owner],
        // Reseller and Distributor roles only; no console role holds it.
        [Permission.ViewChannelPurchaseOrders] = [],
    };

    private static readonly Permission[] DemoModePermissions =
        [Permission.ViewOrganization, Permission.ManagePersonalCredentials, Permission.ViewMembers];

    private static readonly UserState[] StatesThatCannotAct =
        [UserState.Pending, UserState.Reset, UserState.Suspended, UserState.Deactivated];

    public static TheoryData<string, OrganizationRole, bool> SpecCells()
    {
        var data = new TheoryData<string, OrganizationRole, bool>();
        foreach (var row in ParseSpecTable())
        {
            foreach (var (role, allowed) in row.Cells)
            {
                data.Add(row.Label, role, allowed);
            }
        }

        return data;
    }

    public static TheoryData<string> SpecLabels()
    {
        var data = new TheoryData<string>();
        foreach (var row in ParseSpecTable())
        {
            data.Add(row.Label);
        }

        return data;
    }

    public static TheoryData<ChannelRoles> ChannelOnlyRoles() =>
        [ChannelRoles.Reseller, ChannelRoles.Distributor, ChannelRoles.Reseller | ChannelRoles.Distributor];

    public static TheoryData<UserState, MemberRoles> StatesThatCannotActWithEveryRole()
    {
        var data = new TheoryData<UserState, MemberRoles>();
        foreach (var state in StatesThatCannotAct)
        {
            foreach (var roles in EveryRoleCombination())
            {
                data.Add(state, roles);
            }
        }

        return data;
    }

    [Fact]
    public void SpecTable_HasElevenRowsOverOwnerAdminAuditor()
    {
        var rows = ParseSpecTable();

        Assert.Equal(11, rows.Count);
        Assert.All(rows, row => Assert.Equal(
            new[] { OrganizationRole.Owner, OrganizationRole.Admin, OrganizationRole.Auditor },
            row.Cells.Select(c => c.Role)));
        Assert.Equal(rows.Count, rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(SpecLabels))]
    public void Label_EverySpecRow_NamesExactlyOnePermission(string label)
    {
        var matches = Enum.GetValues<Permission>().Where(p => PermissionMatrix.Label(p) == label).ToList();

        Assert.Single(matches);
    }

    [Theory]
    [MemberData(nameof(SpecCells))]
    public void Allows_EverySpecCell_MatchesTheTable(string label, OrganizationRole role, bool expected)
    {
        var permission = PermissionFor(label);

        Assert.Equal(expected, PermissionMatrix.Allows(new MemberRoles(role, ChannelRoles.None), permission));
    }

    [Theory]
    [MemberData(nameof(SpecCells))]
    public void Allows_ActiveUser_MatchesTheTable(string label, OrganizationRole role, bool expected)
    {
        var permission = PermissionFor(label);

        Assert.Equal(expected, PermissionMatrix.Allows(UserState.Active, new MemberRoles(role, ChannelRoles.None), permission));
    }

    [Fact]
    public void Permissions_NotInTheSpecTable_AreExactlyThoseFromSpecProse()
    {
        var tableLabels = ParseSpecTable().Select(r => r.Label).ToHashSet(StringComparer.Ordinal);

        var outside = Enum.GetValues<Permission>().Where(p => !tableLabels.Contains(PermissionMatrix.Label(p)));

        Assert.Equal(OutsideTable.Keys.Order(), outside.Order());
    }

    [Fact]
    public void All_ListsEveryPermission()
    {
        Assert.Equal(Enum.GetValues<Permission>().Order(), PermissionMatrix.All.Order());
    }

    [Fact]
    public void Allows_PermissionsFromSpecProse_GoToTheRolesTheSpecNames()
    {
        foreach (var (permission, holders) in OutsideTable)
        {
            foreach (var role in Enum.GetValues<OrganizationRole>())
            {
                Assert.True(
                    holders.Contains(role) == PermissionMatrix.Allows(new MemberRoles(role, ChannelRoles.None), permission),
                    $"{role} / {permission}: expected {holders.Contains(role)}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ChannelOnlyRoles))]
    public void Allows_ChannelRolesOnly_GrantOnlyChannelPurchaseOrders(ChannelRoles channel)
    {
        var roles = new MemberRoles(null, channel);

        var granted = Enum.GetValues<Permission>().Where(p => PermissionMatrix.Allows(UserState.Active, roles, p));

        Assert.Equal(new[] { Permission.ViewChannelPurchaseOrders }, granted);
    }

    [Fact]
    public void Allows_ConsoleRolesWithoutChannelRole_NeverGrantChannelPurchaseOrders()
    {
        foreach (var role in Enum.GetValues<OrganizationRole>())
        {
            Assert.False(PermissionMatrix.Allows(UserState.Active, new MemberRoles(role, ChannelRoles.None), Permission.ViewChannelPurchaseOrders));
        }
    }

    [Fact]
    public void Allows_OwnerWhoIsAlsoReseller_HoldsBothSets()
    {
        var roles = new MemberRoles(OrganizationRole.Owner, ChannelRoles.Reseller);

        var granted = Enum.GetValues<Permission>().Where(p => PermissionMatrix.Allows(UserState.Active, roles, p));

        Assert.Equal(Enum.GetValues<Permission>(), granted);
    }

    [Fact]
    public void Allows_NoRoleAtAll_GrantsNothing()
    {
        var roles = new MemberRoles(null, ChannelRoles.None);

        Assert.DoesNotContain(Enum.GetValues<Permission>(), p => PermissionMatrix.Allows(UserState.Active, roles, p));
    }

    [Fact]
    public void Allows_PermissionOutsideTheEnum_IsRefused()
    {
        Assert.False(PermissionMatrix.Allows(UserState.Active, MemberRoles.Owner, (Permission)999));
    }

    [Theory]
    [MemberData(nameof(StatesThatCannotActWithEveryRole))]
    public void Allows_StateOtherThanActive_GrantsNothing(UserState state, MemberRoles roles)
    {
        Assert.DoesNotContain(Enum.GetValues<Permission>(), p => PermissionMatrix.Allows(state, roles, p));
    }

    [Theory]
    [InlineData(OrganizationRole.Owner)]
    [InlineData(OrganizationRole.Admin)]
    [InlineData(OrganizationRole.Auditor)]
    public void Allows_ActiveDemo_GrantsOnlyOnboardingPermissions(OrganizationRole role)
    {
        var roles = new MemberRoles(role, ChannelRoles.None);

        var granted = Enum.GetValues<Permission>().Where(p => PermissionMatrix.Allows(UserState.ActiveDemo, roles, p));

        Assert.Equal(DemoModePermissions.Order(), granted.Order());
    }

    [Fact]
    public void Allows_ActiveDemoReseller_GetsNoChannelPurchaseOrders()
    {
        var roles = new MemberRoles(null, ChannelRoles.Reseller);

        Assert.False(PermissionMatrix.Allows(UserState.ActiveDemo, roles, Permission.ViewChannelPurchaseOrders));
    }

    [Theory]
    [InlineData(UserState.ActiveDemo, OrganizationRole.Owner, Permission.ManageMembers, true)]
    [InlineData(UserState.ActiveDemo, OrganizationRole.Owner, Permission.GenerateApiToken, true)]
    [InlineData(UserState.ActiveDemo, OrganizationRole.Admin, Permission.EditShipmentRequests, true)]
    // Demo mode does not block what the user may do anyway.
    [InlineData(UserState.ActiveDemo, OrganizationRole.Owner, Permission.ViewMembers, false)]
    // The role, not demo mode, is what refuses these.
    [InlineData(UserState.ActiveDemo, OrganizationRole.Admin, Permission.ManageMembers, false)]
    [InlineData(UserState.ActiveDemo, OrganizationRole.Auditor, Permission.GenerateApiToken, false)]
    // Not in demo mode at all.
    [InlineData(UserState.Active, OrganizationRole.Owner, Permission.ManageMembers, false)]
    [InlineData(UserState.Pending, OrganizationRole.Owner, Permission.ManageMembers, false)]
    [InlineData(UserState.Suspended, OrganizationRole.Owner, Permission.ManageMembers, false)]
    public void IsBlockedByDemoMode_TellsWhenOnlyDemoModeRefuses(UserState state, OrganizationRole role, Permission permission, bool expected)
    {
        var roles = new MemberRoles(role, ChannelRoles.None);

        Assert.Equal(expected, PermissionMatrix.IsBlockedByDemoMode(state, roles, permission));
    }

    [Fact]
    public void IsBlockedByDemoMode_IsExactlyWhatActiveAllowsAndActiveDemoDoesNot()
    {
        foreach (var roles in EveryRoleCombination())
        {
            foreach (var permission in Enum.GetValues<Permission>())
            {
                var expected = PermissionMatrix.Allows(UserState.Active, roles, permission)
                    && !PermissionMatrix.Allows(UserState.ActiveDemo, roles, permission);
                Assert.True(
                    expected == PermissionMatrix.IsBlockedByDemoMode(UserState.ActiveDemo, roles, permission),
                    $"{roles} / {permission}: expected {expected}");
            }
        }
    }

    private static Permission PermissionFor(string label) =>
        Enum.GetValues<Permission>().Single(p => PermissionMatrix.Label(p) == label);

    private static IEnumerable<MemberRoles> EveryRoleCombination()
    {
        OrganizationRole?[] organizationRoles = [null, OrganizationRole.Owner, OrganizationRole.Admin, OrganizationRole.Auditor];
        ChannelRoles[] channelRoles = [ChannelRoles.None, ChannelRoles.Reseller, ChannelRoles.Distributor, ChannelRoles.Reseller | ChannelRoles.Distributor];
        return organizationRoles.SelectMany(role => channelRoles.Select(channel => new MemberRoles(role, channel)));
    }

    private static List<SpecRow> ParseSpecTable()
    {
        var lines = SpecTable.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var header = Cells(lines[0]);
        Assert.Equal("Permission", header[0]);
        Assert.Matches("^[-|]+$", lines[1]);
        var roles = header.Skip(1).Select(Enum.Parse<OrganizationRole>).ToList();

        var rows = new List<SpecRow>();
        foreach (var line in lines.Skip(2))
        {
            var cells = Cells(line);
            Assert.Equal(roles.Count + 1, cells.Length);
            var values = cells.Skip(1).Select(cell => cell switch
            {
                "yes" => true,
                "no" => false,
                _ => throw new FormatException($"Cell '{cell}' in '{line}' is neither yes nor no."),
            });
            rows.Add(new SpecRow(cells[0], roles.Zip(values).ToList()));
        }

        return rows;
    }

    private static string[] Cells(string line) =>
        line.Trim().Trim('|').Split('|', StringSplitOptions.TrimEntries);

    private sealed record SpecRow(string Label, List<(OrganizationRole Role, bool Allowed)> Cells);
}
