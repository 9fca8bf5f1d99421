namespace KeyPortal.Core.Tests.Organizations;

public abstract class OrganizationDirectoryTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    private async Task<Organization> GivenNamedAsync(string name, string slug, OrganizationKind kind = OrganizationKind.Customer)
    {
        await using var scope = OpenScope();
        return await scope.Organizations.CreateAsync(Actors.Operator, name, slug, kind);
    }

    private async Task<OrganizationPage> SearchAsync(string? prefix, string? after = null, int? limit = null)
    {
        await using var db = Database.CreateContext();
        return await new OrganizationDirectory(db).SearchAsync(prefix, after, limit);
    }

    [Fact]
    public async Task Search_FindsNamesInAnyAsciiCaseAndShortNames()
    {
        var tag = Unique.Slug("dir");
        var names = new[] { $"Ärzte {tag} Zürich", $"ÄRZTE {tag} Basel", $"Aerzte {tag}" };
        var created = new List<Organization>();
        foreach (var name in names)
        {
            created.Add(await GivenNamedAsync(name, Unique.Slug("aerzte")));
        }

        var exact = await SearchAsync($"Ärzte {tag}");
        var ascii = await SearchAsync($"aerzte {tag.ToUpperInvariant()}");
        var bySlug = await SearchAsync(created[2].Slug.ToUpperInvariant());
        var none = await SearchAsync(new string('x', Organization.MaxNameLength + 1));

        Assert.Equal(new[] { created[0].Id, created[1].Id }.OrderBy(id => id.ToString(), StringComparer.Ordinal), exact.Rows.Select(r => r.Id));
        Assert.Equal([created[2].Id], ascii.Rows.Select(r => r.Id));
        Assert.Equal([created[2].Id], bySlug.Rows.Select(r => r.Id));
        Assert.Empty(none.Rows);
        Assert.Null(none.Next);
    }

    [Fact]
    public async Task Search_PagesByIdWithoutRepeatsOrGaps()
    {
        var tag = $"Paged {Unique.Slug("p")}";
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await GivenNamedAsync($"{tag} {i}", Unique.Slug("paged"))).Id);
        }

        var seen = new List<Guid>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await SearchAsync(tag, next, limit: 2);
            seen.AddRange(page.Rows.Select(r => r.Id));
            next = page.Next;
            pages++;
        }
        while (next is not null);

        // The database's order of ids: byte order, as their text sorts.
        Assert.Equal(ids.OrderBy(id => id.ToString(), StringComparer.Ordinal), seen);
        Assert.Equal(3, pages);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(201)]
    public async Task Search_RefusesALimitOutOfRange(int limit)
    {
        await DomainAssert.RefusedAsync("page.limit_invalid", () => SearchAsync(null, limit: limit));
    }

    [Fact]
    public async Task Search_RefusesACursorNotOurs()
    {
        await DomainAssert.RefusedAsync("page.cursor_invalid", () => SearchAsync(null, "not-a-cursor!"));
    }

    [Fact]
    public async Task Get_CountsMembersAndOwners_AndRefusesAnUnknownId()
    {
        var (organization, _) = await GivenOrganizationWithOwnerAsync();
        await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await using var db = Database.CreateContext();
        var directory = new OrganizationDirectory(db);

        var row = await directory.GetAsync(organization.Id);

        Assert.Equal((organization.Slug, OrganizationKind.Customer, 2, 1, false), (row.Slug, row.Kind, row.Members, row.Owners, row.SingleSignOn));
        await DomainAssert.RefusedAsync("organization.not_found", () => directory.GetAsync(Guid.NewGuid()));
    }
}

public sealed class OrganizationDirectoryTestsOnSqlite(SqliteDatabaseFixture fixture)
    : OrganizationDirectoryTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class OrganizationDirectoryTestsOnPostgres(PostgresDatabaseFixture fixture)
    : OrganizationDirectoryTests(fixture), IClassFixture<PostgresDatabaseFixture>;
