using System.Text.Json;

namespace KeyPortal.Core.Tests.Auditing;

/// <summary>Each test gets a fresh SQLite database, so counts start at zero.</summary>
public sealed class AuditTrailTests : IAsyncLifetime
{
    private static readonly AuditActor Actor = new(Guid.Parse("0195a6d2-0000-7000-8000-0000000000aa"), "owner@example.com", "2001:db8::7");

    private readonly FakeTimeProvider _clock = TestClock.Create();
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public void Record_SerialisesDetailsAsCamelCaseJson()
    {
        using var db = _database.CreateContext();

        var entry = new AuditTrail(db, _clock).Record(Actor, AuditActions.MemberRolesChanged, details: new { From = "Owner", To = "Admin", Count = 2, Html = "<b>" });

        using var details = JsonDocument.Parse(entry.Details);
        Assert.Equal(JsonValueKind.Object, details.RootElement.ValueKind);
        Assert.Equal(
            new[] { "from", "to", "count", "html" },
            details.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Owner", details.RootElement.GetProperty("from").GetString());
        Assert.Equal("Admin", details.RootElement.GetProperty("to").GetString());
        Assert.Equal(2, details.RootElement.GetProperty("count").GetInt32());
        Assert.Equal("<b>", details.RootElement.GetProperty("html").GetString());
    }

    [Fact]
    public void Record_WithoutDetails_WritesAnEmptyJsonObject()
    {
        using var db = _database.CreateContext();

        var entry = new AuditTrail(db, _clock).Record(Actor, AuditActions.OrganizationCreated);

        Assert.Equal("{}", entry.Details);
    }

    [Fact]
    public void Record_TakesWhoWhereAndWhenFromActorAndClock()
    {
        using var db = _database.CreateContext();
        var organizationId = Guid.NewGuid();
        var targetUserId = Guid.NewGuid();
        _clock.Advance(TimeSpan.FromMinutes(42));

        var entry = new AuditTrail(db, _clock).Record(Actor, AuditActions.MemberAdded, organizationId, targetUserId);

        Assert.Equal(Actor.UserId, entry.ActorUserId);
        Assert.Equal(Actor.Name, entry.Actor);
        Assert.Equal(Actor.ClientAddress, entry.ClientAddress);
        Assert.Equal(organizationId, entry.OrganizationId);
        Assert.Equal(targetUserId, entry.TargetUserId);
        Assert.Equal(AuditActions.MemberAdded, entry.Action);
        Assert.Equal(TestClock.Start.AddMinutes(42), entry.OccurredAt);
    }

    [Fact]
    public async Task Record_JoinsTheUnitOfWork_WrittenOnlyWhenItIsSaved()
    {
        await using var db = _database.CreateContext();
        var entry = new AuditTrail(db, _clock).Record(AuditActor.System, AuditActions.UserCreated, details: new { email = "ann@example.com" });

        Assert.Equal(EntityState.Added, db.Entry(entry).State);
        Assert.Equal(0, await CountEntriesAsync());

        await db.SaveChangesAsync();

        await using var reader = _database.CreateContext();
        var stored = await reader.AuditEntries.SingleAsync();
        Assert.Equal("system", stored.Actor);
        Assert.Null(stored.ActorUserId);
        Assert.Equal(entry.Details, stored.Details);
        Assert.Equal(TestClock.Start, stored.OccurredAt);
    }

    [Fact]
    public async Task Record_InARolledBackTransaction_IsNotWritten()
    {
        await using var db = _database.CreateContext();

        await Assert.ThrowsAsync<DomainException>(() => db.InTransactionAsync<bool>(_ =>
        {
            new AuditTrail(db, _clock).Record(Actor, AuditActions.MemberRemoved);
            throw new DomainException(DomainErrors.LastOwner);
        }));

        Assert.Equal(0, await CountEntriesAsync());
        Assert.Empty(db.ChangeTracker.Entries());
    }

    [Fact]
    public void ForUser_NamesTheUserByEmail()
    {
        var user = User.Create("ann@example.com", "ANN@EXAMPLE.COM", UserState.Active, TestClock.Start);

        var actor = AuditActor.ForUser(user, "192.0.2.1");

        Assert.Equal(new AuditActor(user.Id, "ann@example.com", "192.0.2.1"), actor);
    }

    private async Task<int> CountEntriesAsync()
    {
        await using var db = _database.CreateContext();
        return await db.AuditEntries.CountAsync();
    }
}
