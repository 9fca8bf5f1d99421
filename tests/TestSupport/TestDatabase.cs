using KeyPortal.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KeyPortal.TestSupport;

/// <summary>
/// A fresh, migrated database for one test class: a SQLite file in the temp folder, or a new
/// database on the PostgreSQL server that <c>./test.sh</c> starts (its admin connection string
/// comes from <c>KEYPORTAL_TEST_POSTGRES</c>). Dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "KEYPORTAL_TEST_POSTGRES";

    private readonly string? _postgresAdmin;
    private readonly string? _postgresName;
    private readonly string? _sqlitePath;

    private TestDatabase(DatabaseOptions options, string? sqlitePath, string? postgresAdmin, string? postgresName)
    {
        Options = options;
        _sqlitePath = sqlitePath;
        _postgresAdmin = postgresAdmin;
        _postgresName = postgresName;
    }

    public DatabaseOptions Options { get; }

    public DatabaseProvider Provider => Options.Provider;

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider)
    {
        TestDatabase database;
        if (provider == DatabaseProvider.Sqlite)
        {
            var directory = Path.Combine(Path.GetTempPath(), "keyportal-tests");
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, $"{Guid.NewGuid():N}.db");
            database = new TestDatabase(
                new DatabaseOptions { Provider = provider, ConnectionString = $"Data Source={path};Pooling=False" }, path, null, null);
        }
        else
        {
            var admin = Environment.GetEnvironmentVariable(PostgresVariable);
            if (string.IsNullOrWhiteSpace(admin))
            {
                throw new InvalidOperationException(
                    $"{PostgresVariable} is not set. Run the tests through ./test.sh, which starts PostgreSQL and sets it.");
            }

            var name = $"kp_test_{Guid.NewGuid():N}";
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
                await command.ExecuteNonQueryAsync();
            }

            var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
            database = new TestDatabase(new DatabaseOptions { Provider = provider, ConnectionString = builder.ConnectionString }, null, admin, name);
        }

        await using var db = database.CreateContext();
        await DatabaseMigrator.MigrateAsync(db);
        return database;
    }

    public PortalDbContext CreateContext() => PersistenceServiceCollectionExtensions.CreateContext(Options);

    public async ValueTask DisposeAsync()
    {
        if (_sqlitePath is not null)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(_sqlitePath + suffix);
            }
        }

        if (_postgresAdmin is not null && _postgresName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_postgresAdmin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresName}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Counts rows of every table the domain writes: "changes nothing" means this is unchanged.</summary>
    public async Task<string> SnapshotAsync()
    {
        await using var db = CreateContext();
        var counts = new[]
        {
            await db.Users.CountAsync(),
            await db.Organizations.CountAsync(),
            await db.Memberships.CountAsync(),
            await db.AuditEntries.CountAsync(),
            await db.Set<KeyPortal.Core.SingleSignOn.SsoConnection>().CountAsync(),
            await db.Set<KeyPortal.Core.SingleSignOn.SsoDomain>().CountAsync(),
        };
        var states = await db.Users.OrderBy(u => u.Id).Select(u => u.State.ToString() + u.SecurityStamp).ToListAsync();
        var roles = await db.Memberships.OrderBy(m => m.Id).Select(m => $"{m.UserId}:{m.OrganizationRole}:{(int)m.ChannelRoles}").ToListAsync();
        var sso = await db.Set<KeyPortal.Core.SingleSignOn.SsoConnection>().OrderBy(c => c.OrganizationId).Select(c => $"{c.OrganizationId}:{c.Version}").ToListAsync();
        var domains = await db.Set<KeyPortal.Core.SingleSignOn.SsoDomain>().OrderBy(d => d.Id).Select(d => $"{d.Domain}:{d.VerifiedAt != null}").ToListAsync();
        var switches = await db.Organizations.OrderBy(o => o.Id).Select(o => o.Sso.Enabled ? "1" : "0").ToListAsync();
        return string.Join("|", counts) + "|" + string.Join(",", states) + "|" + string.Join(",", roles)
            + "|" + string.Join(",", sso) + "|" + string.Join(",", domains) + "|" + string.Join("", switches);
    }
}
