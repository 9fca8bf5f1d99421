using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Persistence;

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>Registers <see cref="PortalDbContext"/> for the configured provider.</summary>
    public static IServiceCollection AddPortalDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The provider decides the concrete context type (each carries its own migrations),
        // so it is read once here; the connection string is read when a context is made.
        var provider = configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>()?.Provider
            ?? DatabaseProvider.Sqlite;
        // Pooled: a request leases a context whose options, internal services and connection
        // object are built once, instead of building them for every request (the context holds
        // no state of its own; EF Core resets the change tracker when it goes back to the pool).
        Action<IServiceProvider, DbContextOptionsBuilder> configure = (services, options) =>
            Configure(options, services.GetRequiredService<IOptions<DatabaseOptions>>().Value);
        _ = provider switch
        {
            DatabaseProvider.Sqlite => services.AddDbContextPool<PortalDbContext, SqlitePortalDbContext>(configure),
            DatabaseProvider.Postgres => services.AddDbContextPool<PortalDbContext, PostgresPortalDbContext>(configure),
            _ => throw new InvalidOperationException($"Unknown database provider '{provider}'."),
        };
        return services;
    }

    /// <summary>Points <paramref name="options"/> at the configured database (also used by tools and tests).</summary>
    public static void Configure(DbContextOptionsBuilder options, DatabaseOptions database)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(database);
        switch (database.Provider)
        {
            case DatabaseProvider.Sqlite:
                EnsureSqliteDirectory(database.ConnectionString);
                options.UseSqlite(database.ConnectionString, sqlite =>
                    sqlite.MigrationsHistoryTable("__migrations"));
                options.AddInterceptors(new SqliteConnectionPragmas());
                SqliteWriteGate.For(database.ConnectionString, database.WriteLockTimeout);
                break;
            case DatabaseProvider.Postgres:
                options.UseNpgsql(database.ConnectionString, npgsql =>
                    npgsql.MigrationsHistoryTable("__migrations"));
                break;
            default:
                throw new InvalidOperationException($"Unknown database provider '{database.Provider}'.");
        }
    }

    public static PortalDbContext CreateContext(DatabaseOptions database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database.Provider switch
        {
            DatabaseProvider.Sqlite => new SqlitePortalDbContext(Build<SqlitePortalDbContext>(database)),
            DatabaseProvider.Postgres => new PostgresPortalDbContext(Build<PostgresPortalDbContext>(database)),
            _ => throw new InvalidOperationException($"Unknown database provider '{database.Provider}'."),
        };
    }

    private static DbContextOptions<T> Build<T>(DatabaseOptions database)
        where T : DbContext
    {
        var builder = new DbContextOptionsBuilder<T>();
        Configure(builder, database);
        return builder.Options;
    }

    private static void EnsureSqliteDirectory(string connectionString)
    {
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        var directory = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(dataSource) && dataSource != ":memory:" && directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
    }
}
