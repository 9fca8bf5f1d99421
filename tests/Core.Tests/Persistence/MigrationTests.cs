namespace KeyPortal.Core.Tests.Persistence;

/// <summary>
/// The migrations of each provider: they cover the whole model, and a database built by the
/// migrations that Baseline replaced keeps working. Each test that rewrites a history does so on
/// a database of its own.
/// </summary>
public abstract class MigrationTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    [Fact]
    public async Task The_model_has_no_change_that_a_migration_does_not_cover()
    {
        await using var db = Database.CreateContext();

        Assert.False(db.Database.HasPendingModelChanges(),
            $"The model of {db.GetType().Name} differs from its migrations' snapshot: add a migration for both providers (README, Developing).");
    }

    [Fact]
    public async Task A_database_with_the_squashed_history_migrates_from_the_baseline_row_on()
    {
        await using var database = await TestDatabase.CreateAsync(Database.Provider);
        var squashed = SquashedOf(database);
        await GivenSchemaOfBaselineAsync(database, squashed.Baseline);
        await GivenHistoryAsync(database, squashed.Replaced);

        await using var db = database.CreateContext();
        await DatabaseMigrator.MigrateAsync(db);
        await DatabaseMigrator.MigrateAsync(db);

        // Baseline's one row stands for the replaced ones; the migrations after it ran.
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Equal(squashed.Baseline, (await db.Database.GetAppliedMigrationsAsync()).First());
        Assert.True(await DatabaseMigrator.IsReadyAsync(db));
    }

    [Fact]
    public async Task A_database_part_way_through_the_squashed_migrations_is_refused_and_left_as_it_was()
    {
        await using var database = await TestDatabase.CreateAsync(Database.Provider);
        var partWay = SquashedOf(database).Replaced.Take(3).ToList();
        await GivenHistoryAsync(database, partWay);

        await using var db = database.CreateContext();
        await Assert.ThrowsAsync<InvalidOperationException>(() => DatabaseMigrator.MigrateAsync(db));

        Assert.Equal(partWay, await db.Database.GetAppliedMigrationsAsync());
    }

    [Fact]
    public async Task A_database_built_by_the_baseline_keeps_its_history()
    {
        await using var db = Database.CreateContext();
        await DatabaseMigrator.MigrateAsync(db);

        var applied = (await db.Database.GetAppliedMigrationsAsync()).ToList();
        Assert.Equal(db.Database.GetMigrations(), applied);
        Assert.Equal(SquashedMigrations.Of(db).Baseline, applied[0]);
    }

    private static SquashedMigrations SquashedOf(TestDatabase database)
    {
        using var db = database.CreateContext();
        return SquashedMigrations.Of(db);
    }

    /// <summary>The schema the replaced migrations built (Baseline's): later migrations are taken back.</summary>
    private static async Task GivenSchemaOfBaselineAsync(TestDatabase database, string baseline)
    {
        await using var db = database.CreateContext();
        await Microsoft.EntityFrameworkCore.Infrastructure.AccessorExtensions.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>(db).MigrateAsync(baseline);
    }

    /// <summary>Replaces the history rows, as the migrations that wrote <paramref name="ids"/> would have left them.</summary>
    private static async Task GivenHistoryAsync(TestDatabase database, IEnumerable<string> ids)
    {
        await using var db = database.CreateContext();
        await db.Database.ExecuteSqlRawAsync("""DELETE FROM "__migrations";""");
        foreach (var id in ids)
        {
            await db.Database.ExecuteSqlRawAsync("""INSERT INTO "__migrations" ("MigrationId", "ProductVersion") VALUES ({0}, '10.0.15');""", id);
        }
    }
}

public sealed class MigrationTestsOnSqlite(SqliteDatabaseFixture fixture)
    : MigrationTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class MigrationTestsOnPostgres(PostgresDatabaseFixture fixture)
    : MigrationTests(fixture), IClassFixture<PostgresDatabaseFixture>;
