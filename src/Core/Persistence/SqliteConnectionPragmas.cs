using System.Data.Common;
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

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
