using System.Reflection;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

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

        await AdoptBaselineAsync(db, cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
    }

    /// <summary>
    /// A database built by the migrations that Baseline replaced (<see cref="SquashedMigrations"/>)
    /// has Baseline's schema but their ids in its history, so migrating it would run Baseline over
    /// the existing tables. Its history becomes Baseline's one row instead, in one transaction. A
    /// database part-way through the old migrations is refused: the schema Baseline stands for is
    /// the one they end with, and no migration here can bring it there.
    /// </summary>
    private static async Task AdoptBaselineAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        var history = db.GetService<IHistoryRepository>();
        if (!await history.ExistsAsync(cancellationToken))
        {
            return;
        }

        var squashed = SquashedMigrations.Of(db);
        var applied = (await history.GetAppliedMigrationsAsync(cancellationToken)).Select(row => row.MigrationId).ToHashSet(StringComparer.Ordinal);
        var replaced = squashed.Replaced.Where(applied.Contains).ToList();
        if (replaced.Count == 0 || applied.Contains(squashed.Baseline))
        {
            return;
        }

        if (!applied.Contains(squashed.LastReplaced))
        {
            throw new InvalidOperationException(
                $"The database's migration history ends at {replaced[^1]}, before {squashed.LastReplaced}, "
                + "which this release's Baseline starts from. Migrate it with an earlier release first.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = 0;
        foreach (var id in replaced)
        {
            deleted += await db.Database.ExecuteSqlRawAsync(history.GetDeleteScript(id), cancellationToken);
        }

        // Fewer rows than were read: another instance rewrote the history first (its transaction
        // held these rows until it committed), so this one leaves it as it is.
        if (deleted != replaced.Count)
        {
            return;
        }

        await db.Database.ExecuteSqlRawAsync(
            history.GetInsertScript(new HistoryRow(squashed.Baseline, ProductInfo.GetVersion())), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
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

/// <summary>
/// The migrations each provider's Baseline replaced, in the order they ran. A database they built
/// has the schema Baseline builds (compared column by column, index by index and trigger by
/// trigger when they were squashed), so <see cref="DatabaseMigrator"/> rewrites its history.
/// </summary>
internal sealed class SquashedMigrations
{
    private SquashedMigrations(string baseline, IReadOnlyList<string> replaced)
    {
        Baseline = baseline;
        Replaced = replaced;
    }

    public static SquashedMigrations Sqlite { get; } = new(IdOf<Migrations.Sqlite.Baseline>(),
    [
        "20261128125854_Initial",
        "20261128132825_IdentityProvider",
        "20261128144436_Invitations",
        "20261128165226_MemberDirectory",
        "20261201205951_SessionSecurityStamp",
    ]);

    public static SquashedMigrations Postgres { get; } = new(IdOf<Migrations.Postgres.Baseline>(),
    [
        "20261128125931_Initial",
        "20261128132837_IdentityProvider",
        "20261128144443_Invitations",
        "20261128165244_MemberDirectory",
        "20261201205955_SessionSecurityStamp",
    ]);

    /// <summary>The id of the migration that replaced them.</summary>
    public string Baseline { get; }

    public IReadOnlyList<string> Replaced { get; }

    public string LastReplaced => Replaced[^1];

    public static SquashedMigrations Of(PortalDbContext db) => db is SqlitePortalDbContext ? Sqlite : Postgres;

    private static string IdOf<TMigration>() where TMigration : Migration =>
        typeof(TMigration).GetCustomAttribute<MigrationAttribute>()?.Id
        ?? throw new InvalidOperationException($"{typeof(TMigration)} has no migration id.");
}
