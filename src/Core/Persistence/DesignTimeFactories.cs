using Microsoft.EntityFrameworkCore.Design;

namespace KeyPortal.Core.Persistence;

// Used only by `dotnet ef migrations add`; the connection strings are placeholders.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqlitePortalDbContext>
{
    public SqlitePortalDbContext CreateDbContext(string[] args) =>
        (SqlitePortalDbContext)PersistenceServiceCollectionExtensions.CreateContext(new DatabaseOptions
        {
            Provider = DatabaseProvider.Sqlite,
            ConnectionString = "Data Source=design-time.db",
        });
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresPortalDbContext>
{
    public PostgresPortalDbContext CreateDbContext(string[] args) =>
        (PostgresPortalDbContext)PersistenceServiceCollectionExtensions.CreateContext(new DatabaseOptions
        {
            Provider = DatabaseProvider.Postgres,
            ConnectionString = "Host=localhost;Database=design_time",
        });
}
