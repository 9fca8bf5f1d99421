using System.ComponentModel.DataAnnotations;

namespace KeyPortal.Core.Persistence;

/// <summary>Which database to use. Section <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary><c>Sqlite</c> (default) or <c>Postgres</c>.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// ADO.NET connection string. Default: <c>Data Source=data/portal.db</c> (relative to the
    /// working directory) for SQLite; required for PostgreSQL.
    /// </summary>
    [Required]
    public string ConnectionString { get; set; } = "Data Source=data/portal.db";

    public static readonly TimeSpan DefaultWriteLockTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// SQLite only: how long a write waits for this process's turn at the database file before
    /// the request fails with 503 (and readiness reports a turn held longer). Default: 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan WriteLockTimeout { get; set; } = DefaultWriteLockTimeout;

    /// <summary>Apply pending migrations when the app starts. Default: false (run.sh migrates once).</summary>
    public bool MigrateOnStartup { get; set; }
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}
