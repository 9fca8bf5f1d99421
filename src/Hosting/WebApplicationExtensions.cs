using KeyPortal.Core.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KeyPortal.Hosting;

/// <summary>What IdP, Portal and Admin share as web hosts.</summary>
public static class WebApplicationExtensions
{
    /// <summary>
    /// Core services, Razor Pages, problem details, telemetry, health checks, and data-protection
    /// keys kept in the database so several instances of an app can read each other's cookies.
    /// </summary>
    public static WebApplicationBuilder AddKeyPortalDefaults(this WebApplicationBuilder builder, string applicationName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddPortalCore(builder.Configuration);
        builder.Services.AddKeyPortalTelemetry(builder.Configuration, applicationName);
        builder.Services.AddKeyPortalHealthChecks();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<DomainExceptionHandler>();
        // A body or parameter an API endpoint cannot bind is thrown, so DomainExceptionHandler
        // answers it as a problem in every environment (not an empty 400 turned into a page).
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddRazorPages();
        // Page handlers state the permission they need ([RequirePermission]); one filter checks it
        // through the permission policies before the handler runs.
        builder.Services.Configure<Microsoft.AspNetCore.Mvc.MvcOptions>(o => o.Filters.Add<Authorization.PermissionPageFilter>());
        builder.Services.AddOptions<ReverseProxyOptions>().BindConfiguration(ReverseProxyOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.IsValid(), "ReverseProxy:KnownProxies must be IP addresses and ReverseProxy:KnownNetworks CIDR networks.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IConfigureOptions<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>, ConfigureForwardedHeaders>();
        var dataProtection = builder.Services.AddDataProtection()
            .SetApplicationName(applicationName)
            .PersistKeysToDbContext<PortalDbContext>();
        if (DataProtectionCertificate.Load(builder.Configuration, builder.Environment) is { } certificate)
        {
            // The key ring (which decrypts every cookie and protected link state) is encrypted at
            // rest: a copy of the database alone does not yield it.
            // Decryption takes the certificate from here, not from a machine certificate store.
            dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }

        builder.Services.AddSharedDataProtection();
        Core.Mail.MailServiceCollectionExtensions.AddMailOutboxService(builder.Services, Microsoft.Extensions.Configuration.ConfigurationBinder.GetValue(builder.Configuration, "Mail:Outbox:Send", defaultValue: true));

        // Anti-forgery cookies travel over HTTPS only outside Development (like every other cookie).
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddAntiforgery(o => o.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always);
        return builder;
    }

    /// <summary>The request pipeline up to authentication: errors without stack traces, security headers, static files.</summary>
    public static WebApplication UseKeyPortalDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // First: the client's address and scheme as configured proxies report them (and only they).
        app.UseForwardedHeaders();
        // Refusals become problem details; anything else the error page, never a stack trace.
        app.UseExceptionHandler("/error");
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.UseStatusCodePagesWithReExecute("/error/{0}");
        app.Use(static (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            // Our own files only: no inline script or style, no other site's code, and no other
            // site may frame our pages (clickjacking on sign-in and confirmation forms).
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            return next(context);
        });
        app.UseStaticFiles();
        app.UseRouting();
        return app;
    }

    /// <summary>
    /// The Content-Security-Policy of every page. <c>form-action</c> is left out on purpose:
    /// browsers apply it to the redirects after a form (sign-in, sign-out), which lead to the
    /// other apps' origins.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
        + "frame-ancestors 'none'; object-src 'none'; base-uri 'self'";

    /// <summary>
    /// Applies pending migrations when <c>Database:MigrateOnStartup</c> is set (tests, single
    /// instances); otherwise <c>KeyPortal.Admin migrate</c> does it once before the apps start.
    /// </summary>
    public static async Task MigrateOnStartupIfConfiguredAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
        {
            await using var scope = app.Services.CreateAsyncScope();
            await DatabaseMigrator.MigrateAsync(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
        }

        await DataProtectionKeyRing.EnsureAsync(app.Services);
    }
}
