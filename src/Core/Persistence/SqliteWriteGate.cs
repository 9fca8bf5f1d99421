using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KeyPortal.Core.Persistence;

/// <summary>
/// SQLite takes one writer at a time. When several requests of this process save at once, the
/// losers wait in SQLite's busy handler, which sleeps 1, 2, 5, 10 … 100 ms between tries while
/// the lock is held for a fraction of a millisecond: under load, writes then spend most of
/// their time asleep (token issuing at 32 connections fell to half the rate at 8). Instead,
/// each self-contained <c>SaveChanges</c> (one not inside a transaction the caller opened)
/// waits its turn here, in order, and meets SQLite's lock only when another process or an
/// open transaction holds it. Saves inside a caller's transaction never wait here, so a
/// transaction holding SQLite's lock can always finish: no deadlock between the two locks.
/// </summary>
internal sealed class SqliteWriteGate : SaveChangesInterceptor
{
    /// <summary>One gate per database file, found through the connection string.</summary>
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, SemaphoreSlim?> GatesByConnectionString = new(StringComparer.Ordinal);

    /// <summary>Contexts whose current save holds the gate (a context saves one thing at a time).</summary>
    private static readonly ConditionalWeakTable<DbContext, SemaphoreSlim> Holders = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (GateFor(eventData) is { } gate)
        {
            gate.Wait();
            Holders.AddOrUpdate(eventData.Context!, gate);
        }

        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (GateFor(eventData) is { } gate)
        {
            await gate.WaitAsync(cancellationToken);
            Holders.AddOrUpdate(eventData.Context!, gate);
        }

        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Release(eventData);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Release(eventData);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Release(eventData);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData);
        return Task.CompletedTask;
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => Release(eventData);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData);
        return Task.CompletedTask;
    }

    private static SemaphoreSlim? GateFor(DbContextEventData eventData)
    {
        var context = eventData.Context;
        if (context is null || context.Database.CurrentTransaction is not null
            || context.Database.GetDbConnection() is not SqliteConnection connection)
        {
            return null;
        }

        return GatesByConnectionString.GetOrAdd(connection.ConnectionString, static connectionString =>
        {
            var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
            return string.IsNullOrEmpty(file) || file == ":memory:"
                ? null
                : Gates.GetOrAdd(Path.GetFullPath(file), static _ => new SemaphoreSlim(1, 1));
        });
    }

    private static void Release(DbContextEventData eventData)
    {
        if (eventData.Context is { } context && Holders.TryGetValue(context, out var gate))
        {
            Holders.Remove(context);
            gate.Release();
        }
    }
}
