namespace KeyPortal.Core.Tests.Organizations;

public sealed class OrganizationTests
{
    private const string Name = "Acme Security";

    public static TheoryData<string> ValidSlugs() =>
        ["ab", "acme", "acme-de", "acme-2026", "9lives", new string('a', 63)];

    public static TheoryData<string?> InvalidSlugs() =>
        [null, "", " ", "a", "-acme", "Acme", "ACME", "acme_de", "acme de", "acme.de", "acme/de", "ac\u00e9me", new string('a', 64), "acme-", "acme--de", "a-"];

    public static TheoryData<OrganizationKind> ValidKinds() =>
    [
        OrganizationKind.Customer,
        OrganizationKind.Reseller,
        OrganizationKind.Distributor,
        OrganizationKind.Customer | OrganizationKind.Reseller,
        OrganizationKind.Customer | OrganizationKind.Reseller | OrganizationKind.Distributor,
    ];

    [Theory]
    [MemberData(nameof(ValidSlugs))]
    public void Create_ValidSlug_IsAccepted(string slug)
    {
        Assert.Equal(slug, Organization.Create(Name, slug, OrganizationKind.Customer, TestClock.Start).Slug);
    }

    [Fact]
    public void Create_TrimsNameAndSlug()
    {
        var organization = Organization.Create("  Acme  ", " acme ", OrganizationKind.Customer, TestClock.Start);

        Assert.Equal("Acme", organization.Name);
        Assert.Equal("acme", organization.Slug);
        Assert.Equal(TestClock.Start, organization.CreatedAt);
        Assert.False(organization.Sso.Enabled);
    }

    [Theory]
    [MemberData(nameof(InvalidSlugs))]
    public void Create_InvalidSlug_IsRefused(string? slug)
    {
        DomainAssert.Refused("organization.slug_invalid", () => Organization.Create(Name, slug!, OrganizationKind.Customer, TestClock.Start));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Acme\r\nBcc: x@example.com")]
    [InlineData("Acme\u0000")]
    public void Create_EmptyOrControlCharacterName_IsRefused(string? name)
    {
        DomainAssert.Refused("organization.name_invalid", () => Organization.Create(name!, "acme", OrganizationKind.Customer, TestClock.Start));
    }

    [Fact]
    public void Create_NameLongerThanTheLimit_IsRefused()
    {
        Assert.Equal(Organization.MaxNameLength, Organization.Create(new string('n', Organization.MaxNameLength), "acme", OrganizationKind.Customer, TestClock.Start).Name.Length);
        DomainAssert.Refused("organization.name_invalid",
            () => Organization.Create(new string('n', Organization.MaxNameLength + 1), "acme", OrganizationKind.Customer, TestClock.Start));
    }

    [Theory]
    [InlineData(OrganizationKind.None)]
    [InlineData((OrganizationKind)8)]
    [InlineData(OrganizationKind.Customer | (OrganizationKind)8)]
    public void Create_EmptyOrUnknownKind_IsRefused(OrganizationKind kind)
    {
        DomainAssert.Refused("organization.kind_empty", () => Organization.Create(Name, "acme", kind, TestClock.Start));
    }

    [Theory]
    [MemberData(nameof(ValidKinds))]
    public void Create_AnyNonEmptyCombinationOfKinds_IsAccepted(OrganizationKind kind)
    {
        var organization = Organization.Create(Name, "acme", kind, TestClock.Start);

        Assert.Equal(kind, organization.Kind);
        Assert.Equal(kind.HasFlag(OrganizationKind.Customer), organization.IsCustomer);
    }
}
