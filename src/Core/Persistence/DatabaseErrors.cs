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
    /// The database could not be reached or went away mid-request (down, restarting, a failover,
    /// the network): the request may succeed later, unchanged. Anything else (a bug, a constraint)
    /// is not this.
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                // Connection refused or reset, the server shutting down (57P01), too many connections (53300)...
                case NpgsqlException { IsTransient: true }:
                case System.Net.Sockets.SocketException:
                // The pool had no connection to give in time (the server is gone or saturated).
                case NpgsqlException { InnerException: TimeoutException }:
                    return true;
            }
        }

        return false;
    }
}
