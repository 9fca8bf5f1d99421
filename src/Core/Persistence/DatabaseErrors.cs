using Microsoft.Data.Sqlite;
using Npgsql;

namespace KeyPortal.Core.Persistence;

public static class DatabaseErrors
{
    /// <summary>A unique index refused the write (a concurrent insert of the same key won).</summary>
    public static bool IsUniqueViolation(DbUpdateException exception) => exception.InnerException switch
    {
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        // SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };

    /// <summary>
    /// The database undid the transaction because a concurrent one touched the same rows: a
    /// serialization failure or a deadlock (PostgreSQL), a busy or locked database (SQLite). The work
    /// may be tried again in a new transaction.
    /// </summary>
    public static bool IsConflict(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException postgres:
                    return postgres.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;
                // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
                case SqliteException sqlite:
                    return (sqlite.SqliteExtendedErrorCode & 0xFF) is 5 or 6;
            }
        }

        return false;
    }

    /// <summary>
    /// The database could not be reached or went away (down, restarting, a failover, the network,
    /// no connection free in time): a connection failure, not a query's. Deadlocks, serialization
    /// failures, full disks and slow queries are not this. A connection lost during a commit may
    /// have committed; the caller should look before sending the request again.
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                // Connection exception class (08...), the server shutting down or restarting, too many connections.
                case PostgresException postgres:
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;
                // Refused, reset or broken connections, and the pool's wait for a free one running out.
                case NpgsqlException { InnerException: System.IO.IOException or System.Net.Sockets.SocketException or TimeoutException }:
                    return true;
            }
        }

        return false;
    }
}
