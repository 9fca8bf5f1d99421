using KeyPortal.Core.Seeding;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Core.Hosting;

/// <summary>
/// <c>migrate [--seed-demo]</c>: applies migrations (and the demo seed) and exits. Run once
/// before starting the apps, so several instances never race to migrate.
/// </summary>
public static class DatabaseCommand
{
    public static bool IsRequested(string[] args) => args is ["migrate", ..];

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        await DatabaseMigrator.MigrateAsync(db);
        await output.WriteLineAsync($"Database migrated ({db.Database.ProviderName}).");
        if (args.Contains("--seed-demo"))
        {
            var seeded = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
            await output.WriteLineAsync(seeded ? "Demo data created." : "Demo data already present.");
        }

        return 0;
    }
}
