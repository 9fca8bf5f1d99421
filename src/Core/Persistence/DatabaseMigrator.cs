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

    /// <summary>
    /// A bounded write probe: SQLite: this process's write turn is free within
    /// <paramref name="timeout"/> and not held longer than the write timeout by anyone;
    /// PostgreSQL: the server grants a transaction id, rolled back at once so nothing is written.
    /// </summary>
    public static async Task<bool> CanWriteAsync(PortalDbContext db, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            if (db.Database.IsSqlite())
            {
                if (SqliteWriteGate.For(db.Database.GetConnectionString()) is not { } gate)
                {
                    return true;
                }

                // A turn held past the write timeout means writes are stuck, whoever holds it.
                if (gate.HeldFor > gate.Timeout)
                {
                    return false;
                }

                // This process's turn within the bound. Not SQLite's own lock: Microsoft.Data.Sqlite's
                // BEGIN IMMEDIATE cannot be cancelled, and waiting for it here would hold the turn.
                return await gate.RunAsync(_ => Task.FromResult(true), bounded.Token);
            }

            await using var probe = await db.Database.BeginTransactionAsync(bounded.Token);
            // The cancellation above bounds the wait; the statement timeout makes the server give up too.
            await db.Database.ExecuteSqlRawAsync("SET LOCAL statement_timeout = 5000; SELECT pg_current_xact_id();", bounded.Token);
            await probe.RollbackAsync(bounded.Token);
            return true;
        }
        catch (Exception exception) when (exception is OperationCanceledException or DatabaseBusyException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
