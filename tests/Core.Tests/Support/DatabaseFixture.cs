namespace KeyPortal.Core.Tests.Support;

/// <summary>
/// One migrated database shared by the tests of one class (they run one after another, so a
/// before/after snapshot sees only the test's own writes). Each provider has its own fixture
/// type so an abstract suite can run unchanged against both.
/// </summary>
public abstract class DatabaseFixture(DatabaseProvider provider) : IAsyncLifetime
{
    private TestDatabase? _database;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("The test database has not been created yet.");

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(provider);
        // Actors.Operator is a real, active platform operator: operators' own actions check it.
        await using var db = _database.CreateContext();
        var email = Actors.Operator.Name;
        var now = TestClock.Start;
        var user = User.Create(email, email.ToUpperInvariant(), UserState.Pending, now);
        user.Id = Actors.Operator.UserId!.Value;
        user.TransitionTo(UserState.Active, now);
        user.IsPlatformOperator = true;
        db.Users.Add(user);
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

public sealed class SqliteDatabaseFixture() : DatabaseFixture(DatabaseProvider.Sqlite);

/// <summary>Needs <c>KEYPORTAL_TEST_POSTGRES</c>; without it every test of the class fails with that message.</summary>
public sealed class PostgresDatabaseFixture() : DatabaseFixture(DatabaseProvider.Postgres);
