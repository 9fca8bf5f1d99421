namespace KeyPortal.Core.Tests.Memberships;

public sealed class MemberRolesTests
{
    public static TheoryData<string[], MemberRoles> ValidNames() => new()
    {
        { ["Owner"], MemberRoles.Owner },
        { ["admin"], MemberRoles.Admin },
        { ["AUDITOR"], MemberRoles.Auditor },
        { ["  Owner  "], MemberRoles.Owner },
        { ["reseller"], new MemberRoles(null, ChannelRoles.Reseller) },
        { ["Distributor"], new MemberRoles(null, ChannelRoles.Distributor) },
        { ["Reseller", "DISTRIBUTOR"], new MemberRoles(null, ChannelRoles.Reseller | ChannelRoles.Distributor) },
        { ["Owner", "Reseller"], new MemberRoles(OrganizationRole.Owner, ChannelRoles.Reseller) },
        { ["Distributor", "admin", "Reseller"], new MemberRoles(OrganizationRole.Admin, ChannelRoles.Reseller | ChannelRoles.Distributor) },
        // The same name twice (a form posting a checkbox twice) is still one role.
        { ["Owner", "owner"], MemberRoles.Owner },
        { ["Reseller", "Reseller"], new MemberRoles(null, ChannelRoles.Reseller) },
        // Blank entries are ignored; no names at all is "no role", refused later by the membership rules.
        { ["", "  ", "Auditor"], MemberRoles.Auditor },
        { [], new MemberRoles(null, ChannelRoles.None) },
    };

    public static TheoryData<string[]> UnknownNames() =>
    [
        ["Superuser"],
        ["Owners"],
        ["Console Owner"],
        ["Owner", "Root"],
        // Enum.TryParse would take numbers and comma lists; role names must be words.
        ["1"],
        ["2"],
        ["0"],
        ["-1"],
        ["Owner,Admin"],
        ["Reseller, Distributor"],
        ["None"],
        ["none"],
    ];

    public static TheoryData<string[]> TwoOrganizationRoles() =>
    [
        ["Owner", "Admin"],
        ["admin", "AUDITOR"],
        ["Owner", "Reseller", "Auditor"],
    ];

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void Parse_KnownNames_AnyCase_ReturnsRoles(string[] names, MemberRoles expected)
    {
        Assert.Equal(expected, MemberRoles.Parse(names));
    }

    [Fact]
    public void Parse_NullEntries_AreIgnored()
    {
        Assert.Equal(MemberRoles.Admin, MemberRoles.Parse([null, "Admin", null]));
    }

    [Theory]
    [MemberData(nameof(UnknownNames))]
    public void Parse_UnknownName_IsRefusedAsUnknownRole(string[] names)
    {
        DomainAssert.Refused("role.unknown", () => MemberRoles.Parse(names));
    }

    [Theory]
    [MemberData(nameof(TwoOrganizationRoles))]
    public void Parse_TwoOrganizationRoles_IsRefused(string[] names)
    {
        DomainAssert.Refused("membership.multiple_organization_roles", () => MemberRoles.Parse(names));
    }

    [Fact]
    public void Parse_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => MemberRoles.Parse(null!));
    }

    [Theory]
    [InlineData(OrganizationRole.Owner, ChannelRoles.None, "Owner")]
    [InlineData(OrganizationRole.Auditor, ChannelRoles.Distributor, "Auditor, Distributor")]
    [InlineData(null, ChannelRoles.Reseller | ChannelRoles.Distributor, "Reseller, Distributor")]
    [InlineData(null, ChannelRoles.None, "none")]
    public void ToString_NamesTheRolesForDisplayAndAudit(OrganizationRole? role, ChannelRoles channel, string expected)
    {
        Assert.Equal(expected, new MemberRoles(role, channel).ToString());
    }

    [Fact]
    public void ToString_ParsesBackToTheSameRoles()
    {
        var roles = new MemberRoles(OrganizationRole.Admin, ChannelRoles.Reseller | ChannelRoles.Distributor);

        Assert.Equal(roles, MemberRoles.Parse(roles.ToString().Split(',')));
    }

    [Theory]
    [InlineData(OrganizationRole.Owner, ChannelRoles.None, true, false)]
    [InlineData(OrganizationRole.Owner, ChannelRoles.Reseller, true, false)]
    [InlineData(OrganizationRole.Admin, ChannelRoles.None, false, false)]
    [InlineData(null, ChannelRoles.Reseller, false, false)]
    [InlineData(null, ChannelRoles.None, false, true)]
    public void IsOwnerAndIsEmpty(OrganizationRole? role, ChannelRoles channel, bool isOwner, bool isEmpty)
    {
        var roles = new MemberRoles(role, channel);

        Assert.Equal(isOwner, roles.IsOwner);
        Assert.Equal(isEmpty, roles.IsEmpty);
    }
}
