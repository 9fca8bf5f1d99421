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
}
