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

    /// <summary>Apply pending migrations when the app starts. Default: false (run.sh migrates once).</summary>
    public bool MigrateOnStartup { get; set; }
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}
