using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KeyPortal.Hosting;

public static class HealthEndpoints
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddKeyPortalHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag]);
        return services;
    }

    /// <summary>
    /// <c>/health/live</c>: the process answers (no dependencies checked).
    /// <c>/health/ready</c>: the database answers and is fully migrated. Anyone may call both.
    /// </summary>
    public static IEndpointRouteBuilder MapKeyPortalHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .AllowAnonymous();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync })
            .AllowAnonymous();
        return endpoints;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }
}

/// <summary>
/// Ready means the database answers, is migrated, and takes writes: a process whose writes
/// hang must leave the load balancer's pool even though reads still work.
/// </summary>
internal sealed class DatabaseHealthCheck(PortalDbContext db) : IHealthCheck
{
    /// <summary>How long the write probe may take before the instance counts as not ready.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (!await DatabaseMigrator.IsReadyAsync(db, cancellationToken))
            {
                return HealthCheckResult.Unhealthy("Database unreachable or migrations pending.");
            }

            return await DatabaseMigrator.CanWriteAsync(db, ProbeTimeout, cancellationToken)
                ? HealthCheckResult.Healthy("Database reachable, migrated and writable.")
                : HealthCheckResult.Unhealthy("Database writes do not complete.");
        }
#pragma warning disable CA1031 // A health check reports every failure as unhealthy instead of throwing.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            // The type only: connection errors can carry host names and user names.
            return HealthCheckResult.Unhealthy($"Database check failed: {exception.GetType().Name}.");
        }
    }
}
