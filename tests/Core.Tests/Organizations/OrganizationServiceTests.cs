namespace KeyPortal.Core.Tests.Organizations;

public abstract class OrganizationServiceTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    [Fact]
    public async Task Create_StoresTheOrganizationAndAuditsIt()
    {
        var slug = Unique.Slug("contoso");

        Organization created;
        await using (var scope = OpenScope())
        {
            created = await scope.Organizations.CreateAsync(Actors.Operator, "Contoso GmbH", slug, OrganizationKind.Customer | OrganizationKind.Reseller);
        }

        await using var db = Database.CreateContext();
        var stored = await db.Organizations.AsNoTracking().SingleAsync(o => o.Slug == slug);
        Assert.Equal(created.Id, stored.Id);
        Assert.Equal("Contoso GmbH", stored.Name);
        Assert.Equal(OrganizationKind.Customer | OrganizationKind.Reseller, stored.Kind);
        Assert.Equal(TestClock.Start, stored.CreatedAt);
        Assert.False(stored.Sso.Enabled);

        var entry = Assert.Single(await AuditOfOrganizationAsync(created.Id));
        Assert.Equal(AuditActions.OrganizationCreated, entry.Action);
        Assert.Equal(Actors.Operator.UserId, entry.ActorUserId);
        Assert.Equal(Actors.Operator.Name, entry.Actor);
        Assert.Equal(Actors.Operator.ClientAddress, entry.ClientAddress);
        Assert.Null(entry.TargetUserId);
        Assert.Equal(TestClock.Start, entry.OccurredAt);
        Assert.Equal("Contoso GmbH", DetailOf(entry, "name"));
        Assert.Equal(slug, DetailOf(entry, "slug"));
        Assert.Equal("Customer, Reseller", DetailOf(entry, "kind"));
    }

    [Fact]
    public async Task Create_SlugTaken_IsRefused()
    {
        var existing = await GivenOrganizationAsync();
        await using var scope = OpenScope();

        var error = await AssertRefusedAndUnchangedAsync("organization.slug_taken",
            () => scope.Organizations.CreateAsync(Actors.Operator, "Someone Else", existing.Slug, OrganizationKind.Customer));

        Assert.Equal(DomainErrorKind.Conflict, error.Kind);
    }

    [Fact]
    public async Task Create_SlugTakenWithSurroundingSpaces_IsRefused()
    {
        var existing = await GivenOrganizationAsync();
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("organization.slug_taken",
            () => scope.Organizations.CreateAsync(Actors.Operator, "Someone Else", $" {existing.Slug} ", OrganizationKind.Customer));
    }

    [Theory]
    [InlineData("Bad Slug", OrganizationKind.Customer, "organization.slug_invalid")]
    [InlineData("ok-slug", OrganizationKind.None, "organization.kind_empty")]
    public async Task Create_InvalidInput_IsRefusedBeforeAnythingIsWritten(string slug, OrganizationKind kind, string code)
    {
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync(code,
            () => scope.Organizations.CreateAsync(Actors.Operator, "Acme", slug, kind));
    }

    [Fact]
    public async Task Create_SameSlugTwiceAtOnce_ExactlyOneSucceeds()
    {
        var slug = Unique.Slug("race");

        var outcomes = await RunTogetherAsync(
            scope => scope.Organizations.CreateAsync(Actors.Operator, "First", slug, OrganizationKind.Customer),
            scope => scope.Organizations.CreateAsync(Actors.Operator, "Second", slug, OrganizationKind.Customer));

        var winner = Assert.Single(outcomes, o => o.Succeeded).Value!;
        Assert.Equal("organization.slug_taken", outcomes.Single(o => !o.Succeeded).Refusal?.Code);
        await using var db = Database.CreateContext();
        Assert.Equal(winner.Id, (await db.Organizations.SingleAsync(o => o.Slug == slug)).Id);
        Assert.Single(await AuditOfOrganizationAsync(winner.Id));
    }
}

public sealed class OrganizationServiceTestsOnSqlite(SqliteDatabaseFixture fixture)
    : OrganizationServiceTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class OrganizationServiceTestsOnPostgres(PostgresDatabaseFixture fixture)
    : OrganizationServiceTests(fixture), IClassFixture<PostgresDatabaseFixture>;
