using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Hosting;

/// <summary>
/// Makes sure the data-protection key ring has its key before any unit of work protects
/// something. The key store writes a new key through a connection of its own: on SQLite that write
/// waits behind the write lock of the very transaction that asked for the key (an email queued in
/// the outbox with its change, say), and fails after the busy timeout.
/// </summary>
public static class DataProtectionKeyRing
{
    /// <summary>Creates the key ring's key if it has none and the database is migrated; otherwise does nothing.</summary>
    public static async Task EnsureAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        await using (var scope = services.CreateAsyncScope())
        {
            if (!await DatabaseMigrator.IsReadyAsync(scope.ServiceProvider.GetRequiredService<PortalDbContext>(), cancellationToken))
            {
                return;
            }
        }

        services.GetRequiredKeyedService<IDataProtectionProvider>(SharedDataProtection.RootKey)
            .CreateProtector("KeyPortal.DataProtection.KeyRing").Protect([1]);
    }
}
