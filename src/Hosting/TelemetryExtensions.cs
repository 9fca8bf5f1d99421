using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace KeyPortal.Hosting;

/// <summary>Where traces and metrics go. Section <c>Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary><c>None</c> (default), <c>Console</c>, or <c>Otlp</c> (endpoint from the standard OTEL_EXPORTER_OTLP_* variables).</summary>
    public TelemetryExporter Exporter { get; set; } = TelemetryExporter.None;
}

public enum TelemetryExporter
{
    None,
    Console,
    Otlp,
}

public static class TelemetryExtensions
{
    /// <summary>OpenTelemetry traces and metrics for ASP.NET Core, EF Core and outgoing HTTP.</summary>
    public static IServiceCollection AddKeyPortalTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var exporter = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>()?.Exporter ?? TelemetryExporter.None;
        if (exporter == TelemetryExporter.None)
        {
            // Nobody would receive the traces or metrics, so none are recorded. The listeners
            // cost CPU on every request even so: an activity per request and per SQL command, and
            // EF Core's provider name looked up by reflection for each command (3-5 % of a token
            // request in a profile of the token endpoint).
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                    .AddEntityFrameworkCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                _ = exporter switch
                {
                    TelemetryExporter.Console => tracing.AddConsoleExporter(),
                    TelemetryExporter.Otlp => tracing.AddOtlpExporter(),
                    _ => tracing,
                };
            })
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation();
                _ = exporter switch
                {
                    TelemetryExporter.Console => metrics.AddConsoleExporter(),
                    TelemetryExporter.Otlp => metrics.AddOtlpExporter(),
                    _ => metrics,
                };
            });
        return services;
    }
}
