using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace KeyPortal.TestSupport;

/// <summary>
/// What every app must do as a web host, run against each of IdP, Portal and Admin by a
/// one-line subclass in that app's test project.
/// </summary>
public abstract class AppHostingTests<TProgram>(KeyPortalAppFactory<TProgram> factory)
    where TProgram : class
{
    protected KeyPortalAppFactory<TProgram> Factory { get; } = factory;

    /// <summary>A word the app's home page must show.</summary>
    protected abstract string HomePageHeading { get; }

    /// <summary>The page anyone may open without signing in (the home page, unless it needs sign-in).</summary>
    protected virtual string LandingPath => "/";

    /// <summary>
    /// Every endpoint and page of the app (from its endpoint data sources) says who may call it:
    /// an authorization policy (a permission, or a signed-in user) or an explicit anonymous marker.
    /// One that says neither would be open by accident.
    /// </summary>
    [Fact]
    public void Every_endpoint_states_who_may_call_it()
    {
        var endpoints = Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);

        var unmarked = endpoints
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null && e.Metadata.GetOrderedMetadata<IAuthorizeData>().Count == 0)
            .Select(e => $"{string.Join(",", e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])} {e.RoutePattern.RawText} ({e.DisplayName})")
            .ToList();
        Assert.True(unmarked.Count == 0, "Endpoints with neither an authorization policy nor an anonymous marker:\n" + string.Join("\n", unmarked));
    }

    [Fact]
    public async Task Live_answers_healthy_without_touching_dependencies()
    {
        using var client = Factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
        Assert.Empty(json.RootElement.GetProperty("checks").EnumerateObject());
    }

    [Fact]
    public async Task Ready_checks_the_database()
    {
        using var client = Factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", json.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public Task Ready_is_unhealthy_when_the_database_is_not_migrated() => WithEmptyDatabaseAsync(async (app, databasePath) =>
    {
        using var client = app.CreateClient();
        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("Unhealthy", body, StringComparison.Ordinal);
        Assert.DoesNotContain(databasePath, body, StringComparison.Ordinal);
    });

    /// <summary>Runs <paramref name="use"/> on the app started over a new SQLite file no migration has touched.</summary>
    protected async Task WithEmptyDatabaseAsync(Func<WebApplicationFactory<TProgram>, string, Task> use)
    {
        ArgumentNullException.ThrowIfNull(use);
        var databasePath = Path.Combine(Path.GetTempPath(), "keyportal-tests", $"{Guid.NewGuid():N}.db");
        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
        try
        {
            await using var app = Factory.WithWebHostBuilder(builder =>
                builder.UseSetting("Database:ConnectionString", $"Data Source={databasePath};Pooling=False"));
            await use(app, databasePath);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(databasePath);
        }
    }

    [Fact]
    public async Task Home_page_uses_the_shared_layout_and_stylesheet()
    {
        using var client = Factory.CreateClient();
        var html = await client.GetStringAsync(new Uri(LandingPath, UriKind.Relative));

        Assert.Contains(HomePageHeading, html, StringComparison.Ordinal);
        Assert.Contains("class=\"site-header\"", html, StringComparison.Ordinal);
        Assert.Contains("/_content/KeyPortal.Ui/css/site.css", html, StringComparison.Ordinal);

        using var css = await client.GetAsync(new Uri("/_content/KeyPortal.Ui/css/site.css", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_page_gets_the_product_error_page_with_404()
    {
        using var client = Factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/no/such/page", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Page not found", html, StringComparison.Ordinal);
        Assert.Contains("class=\"site-header\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Responses_carry_security_headers()
    {
        using var client = Factory.CreateClient();
        using var response = await client.GetAsync(new Uri(LandingPath, UriKind.Relative));

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("style-src 'self';", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task Pages_carry_no_inline_script_or_style()
    {
        using var client = Factory.CreateClient();
        var html = await client.GetStringAsync(new Uri(LandingPath, UriKind.Relative));

        // The policy refuses them, so a page that had any would be broken.
        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)[^>]*>", html);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" style=\"", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(" on[a-z]+=\"", html);
    }
}
