namespace KeyPortal.Core.Persistence;

/// <summary>Applies migrations and the pragmas the embedded database needs.</summary>
public static class DatabaseMigrator
{
    public static async Task MigrateAsync(PortalDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Database.IsSqlite())
        {
            // WAL lets the three apps read while one writes; it is a property of the file, set once.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);
    }

    /// <summary>True when the database answers and has no pending migrations.</summary>
    public static async Task<bool> IsReadyAsync(PortalDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!await db.Database.CanConnectAsync(cancellationToken))
        {
            return false;
        }

        var pending = await db.Database.GetPendingMigrationsAsync(cancellationToken);
        return !pending.Any();
    }
}
