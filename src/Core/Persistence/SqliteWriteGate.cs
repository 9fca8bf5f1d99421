using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Data.Sqlite;

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
/// <remarks>
/// The gate is entered and left by <see cref="SqlitePortalDbContext"/>'s <c>SaveChanges</c>
/// itself, in a <c>try</c>/<c>finally</c>. It used to be an interceptor that relied on EF's
/// "saved" and "failed" callbacks to leave it; EF raises neither when a save ends in a
/// concurrency conflict, so the first conflicting save kept the gate for ever and every later
/// write of the process hung. Waits are bounded: a save that cannot enter within
/// <see cref="DatabaseOptions.WriteLockTimeout"/> fails with <see cref="DatabaseBusyException"/>
/// (503 for that request), and readiness reports a gate held longer than that.
/// </remarks>
#pragma warning disable CA1001 // One gate per file for the life of the process: never disposed.
public sealed class SqliteWriteGate
#pragma warning restore CA1001
{
    /// <summary>One gate per database file.</summary>
    private static readonly ConcurrentDictionary<string, SqliteWriteGate> Gates = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, SqliteWriteGate?> GatesByConnectionString = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _semaphore = new(1, 1);

    /// <summary><see cref="Stopwatch"/> timestamp of the current holder's entry; 0 while free.</summary>
    private long _heldSince;

    private SqliteWriteGate(TimeSpan timeout) => Timeout = timeout;

    /// <summary>How long a save waits for its turn before it fails.</summary>
    public TimeSpan Timeout { get; private set; }

    /// <summary>How long the current holder has held the gate (zero while it is free).</summary>
    public TimeSpan HeldFor => Volatile.Read(ref _heldSince) is var since and not 0
        ? Stopwatch.GetElapsedTime(since)
        : TimeSpan.Zero;

    /// <summary>The gate of the file a connection string names; null for in-memory databases.</summary>
    public static SqliteWriteGate? For(string? connectionString, TimeSpan? timeout = null)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return null;
        }

        var gate = GatesByConnectionString.GetOrAdd(connectionString, static connectionString =>
        {
            var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
            return string.IsNullOrEmpty(file) || file == ":memory:"
                ? null
                : Gates.GetOrAdd(Path.GetFullPath(file), static _ => new SqliteWriteGate(DatabaseOptions.DefaultWriteLockTimeout));
        });
        if (gate is not null && timeout is { } configured)
        {
            gate.Timeout = configured;
        }

        return gate;
    }

    /// <summary>Runs one save in its turn; the gate is left in a <c>finally</c>, whatever the save does.</summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> save, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(save);
        if (!await _semaphore.WaitAsync(Timeout, cancellationToken))
        {
            throw new DatabaseBusyException(Timeout);
        }

        try
        {
            Volatile.Write(ref _heldSince, Stopwatch.GetTimestamp());
            return await save(cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _heldSince, 0);
            _semaphore.Release();
        }
    }

    /// <inheritdoc cref="RunAsync{T}"/>
    public T Run<T>(Func<T> save)
    {
        ArgumentNullException.ThrowIfNull(save);
        if (!_semaphore.Wait(Timeout))
        {
            throw new DatabaseBusyException(Timeout);
        }

        try
        {
            Volatile.Write(ref _heldSince, Stopwatch.GetTimestamp());
            return save();
        }
        finally
        {
            Volatile.Write(ref _heldSince, 0);
            _semaphore.Release();
        }
    }
}

/// <summary>A write could not get its turn in time; the request fails (503) and the process goes on.</summary>
public sealed class DatabaseBusyException(TimeSpan waited)
    : TimeoutException($"The database did not accept a write within {waited.TotalSeconds:0.#} s.");
