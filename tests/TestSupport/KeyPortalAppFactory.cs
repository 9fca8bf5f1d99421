using KeyPortal.Core.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Xunit;

namespace KeyPortal.TestSupport;

/// <summary>
/// Hosts one app in memory over its own fresh, migrated database. Share one per test class
/// (<c>IClassFixture</c>): each start costs seconds.
/// </summary>
public class KeyPortalAppFactory<TProgram> : WebApplicationFactory<TProgram>, IAsyncLifetime
    where TProgram : class
{
    private TestDatabase? _database;

    protected virtual DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("The factory has not been initialized.");

    /// <summary>Everything the app logged.</summary>
    public LogCapture Logs { get; } = new();

    public string MailDirectory { get; } = Path.Combine(Path.GetTempPath(), "keyportal-tests", $"mail-{Guid.NewGuid():N}");

    public virtual async Task InitializeAsync() => _database = await TestDatabase.CreateAsync(Provider);

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Development");
        builder.UseSetting("Database:Provider", Database.Options.Provider.ToString());
        builder.UseSetting("Database:ConnectionString", Database.Options.ConnectionString);
        builder.UseSetting("Mail:Delivery", "Files");
        builder.UseSetting("Mail:Directory", MailDirectory);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
    }
}
