using System.Net;
using KeyPortal.Core.Persistence;
using KeyPortal.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace KeyPortal.IdP.Tests.Hosting;

public sealed class IdPHostingTests(KeyPortalAppFactory<Program> factory)
    : AppHostingTests<Program>(factory), IClassFixture<KeyPortalAppFactory<Program>>
{
    protected override string HomePageHeading => "Sign in to Key Portal";

    /// <summary>
    /// An instance started before its database was migrated (or reachable) registers the
    /// configured clients once it is, without a restart: until then it is not ready.
    /// </summary>
    [Fact]
    public Task Clients_are_registered_once_the_database_is_migrated_after_start() => WithEmptyDatabaseAsync(async (late, _) =>
    {
        using var client = late.CreateClient();
        using (var before = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        }

        await using (var scope = late.Services.CreateAsyncScope())
        {
            await DatabaseMigrator.MigrateAsync(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
        }

        await Eventually.HoldsAsync(async () =>
        {
            await using var scope = late.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().FindByClientIdAsync("demo-client") is not null;
        }, "demo-client registered after the migration");
        using var after = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    });

    [Fact]
    public Task A_misconfigured_client_stops_the_start_also_before_the_database_is_there() => WithEmptyDatabaseAsync((late, _) =>
    {
        using var misconfigured = late.WithWebHostBuilder(builder => builder.UseSetting("IdentityProvider:Clients:0:ClientSecret", ""));

        var error = Assert.ThrowsAny<Exception>(() => misconfigured.CreateClient());

        Assert.Contains("has no ClientSecret", error.ToString(), StringComparison.Ordinal);
        return Task.CompletedTask;
    });
}
