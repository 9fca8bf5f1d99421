using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KeyPortal.Core.Persistence;

/// <summary>
/// Per-connection SQLite settings. The file is in WAL mode (set once by the migrator); with WAL,
/// <c>synchronous=NORMAL</c> keeps the database consistent on a crash and only risks the last
/// commits on power loss, instead of an fsync on every commit.
/// </summary>
internal sealed class SqliteConnectionPragmas : DbConnectionInterceptor
{
    // busy_timeout: wait inside SQLite (fine-grained) for a concurrent writer, instead of the
    // driver's coarse 150 ms retry sleeps.
    private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";

    // These settings belong to the native connection, which Microsoft.Data.Sqlite's pool keeps
    // open and hands out again; so they are applied once per native connection, not on every open.
    private static readonly ConditionalWeakTable<object, object> Configured = [];
    private static readonly object Done = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!NeedsPragmas(connection, out var handle))
        {
            return;
        }

        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
        Remember(handle);
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!NeedsPragmas(connection, out var handle))
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
        Remember(handle);
    }

    private static bool NeedsPragmas(DbConnection connection, out object? handle)
    {
        handle = (connection as SqliteConnection)?.Handle;
        return handle is null || !Configured.TryGetValue(handle, out _);
    }

    private static void Remember(object? handle)
    {
        if (handle is not null)
        {
            Configured.AddOrUpdate(handle, Done);
        }
    }
}
