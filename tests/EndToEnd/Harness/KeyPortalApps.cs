using Microsoft.AspNetCore.DataProtection;
using System.Net.Sockets;
using KeyPortal.Core.Auditing;
using KeyPortal.Core;
using KeyPortal.Hosting;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Persistence;
using KeyPortal.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.EndToEnd.Harness;

/// <summary>
/// The three apps as real processes on localhost over one fresh SQLite database with the demo
/// seed, plus one headless Chromium: the fixture of every end-to-end test (collection
/// <see cref="Collection"/>). Nothing is built here; <c>dotnet test</c> has built the apps.
/// </summary>
public sealed class KeyPortalApps : IAsyncLifetime
{
    public const string Collection = "Key Portal apps";

    /// <summary>Ports apart from run.sh's 5000-5002, so a running demo does not collide.</summary>
    public const int IdPPort = 5100;

    public const int PortalPort = 5101;

    public const int AdminPort = 5102;

    private readonly List<AppProcess> _apps = [];
    private ServiceProvider? _core;
    private readonly string _workDirectory = Path.Combine(Path.GetTempPath(), "keyportal-e2e", Guid.NewGuid().ToString("N"));

    /// <summary>Browser addresses: <c>localhost</c>, never an IP (WebAuthn needs a domain as relying-party id).</summary>
    public Uri IdP { get; } = new($"http://localhost:{IdPPort}/");

    public Uri Portal { get; } = new($"http://localhost:{PortalPort}/");

    public Uri Admin { get; } = new($"http://localhost:{AdminPort}/");

    public string DatabasePath => Path.Combine(_workDirectory, "portal.db");

    /// <summary>The SMTP server the apps send their email to (activation links, codes), read like an inbox.</summary>
    public Mailbox Mailbox { get; } = new();

    public string LogDirectory => Path.Combine(RepositoryPaths.Artifacts, "logs");

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The Chromium binary: <c>KEYPORTAL_CHROMIUM</c>, else Debian's <c>/usr/bin/chromium</c> (./test.sh installs it).</summary>
    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("KEYPORTAL_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_workDirectory);
        Directory.CreateDirectory(LogDirectory);
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium not found at {ChromiumPath}. Run ./test.sh, which installs Debian's chromium package.");
        }

        foreach (var port in new[] { IdPPort, PortalPort, AdminPort })
        {
            EnsurePortIsFree(port);
        }

        var environment = AppEnvironment();
        await AppProcess.RunToCompletionAsync(
            "Admin",
            [RepositoryPaths.AppDll("Admin"), "migrate", "--seed-demo"],
            environment,
            Path.Combine(LogDirectory, "migrate.log"),
            TimeSpan.FromMinutes(2));

        foreach (var (app, port) in new[] { ("IdP", IdPPort), ("Portal", PortalPort), ("Admin", AdminPort) })
        {
            _apps.Add(AppProcess.Start(
                app,
                port,
                [RepositoryPaths.AppDll(app), "--urls", $"http://127.0.0.1:{port}"],
                environment,
                Path.Combine(LogDirectory, $"{app}.log")));
        }

        await Task.WhenAll(_apps.Select(app => app.WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));

        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // No --user-data-dir: Playwright gives every context a fresh profile.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh browser context and page for one test, with screenshots under <c>artifacts/&lt;testName&gt;/</c>.</summary>
    public async Task<Journey> StartJourneyAsync(string testName)
    {
        // Screenshots of an earlier run would mix with this run's.
        var artifacts = Path.Combine(RepositoryPaths.Artifacts, testName);
        if (Directory.Exists(artifacts))
        {
            Directory.Delete(artifacts, recursive: true);
        }

        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        return await Journey.StartAsync(testName, context, page);
    }

    /// <summary>
    /// The domain services over the apps' database and mailbox, for actions whose pages do not
    /// exist yet (an Owner resetting an account); they run exactly what those pages will run.
    /// </summary>
    public AsyncServiceScope CoreServices()
    {
        _core ??= BuildCoreServices();
        return _core.CreateAsyncScope();
    }

    /// <summary>An Owner invites <paramref name="email"/> to their organization, as the Portal's Create user does.</summary>
    public async Task InviteAsync(string ownerEmail, string organizationSlug, string email, MemberRoles roles)
    {
        await using var scope = CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var owner = await db.Users.AsNoTracking().SingleAsync(u => u.Email == ownerEmail);
        var organizationId = await db.Organizations.Where(o => o.Slug == organizationSlug).Select(o => o.Id).SingleAsync();
        await scope.ServiceProvider.GetRequiredService<InvitationService>()
            .InviteAsync(AuditActor.ForUser(owner, "127.0.0.1"), organizationId, email, roles, IdP);
    }

    /// <summary>The log of one app so far ("IdP", "Portal", "Admin"), for assertion messages.</summary>
    public Task<string> LogTailAsync(string app, int lines = 60) =>
        _apps.Single(a => a.Name == app).TailAsync(lines);

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        Playwright?.Dispose();
        if (_core is not null)
        {
            await _core.DisposeAsync();
        }

        Mailbox.Dispose();
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        try
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temp folder is cleaned by the OS.
        }
    }

    private Dictionary<string, string> AppEnvironment()
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["Database__Provider"] = "Sqlite",
            ["Database__ConnectionString"] = $"Data Source={DatabasePath}",
            ["PublicUrls__IdP"] = IdP.AbsoluteUri,
            ["PublicUrls__Portal"] = Portal.AbsoluteUri,
            ["PublicUrls__Admin"] = Admin.AbsoluteUri,
            ["Passkeys__Origins__0"] = IdP.GetLeftPart(UriPartial.Authority),
            ["Passkeys__RelyingPartyId"] = "localhost",
            // Every browser of every journey comes from 127.0.0.1: the per-address limits are
            // for real clients and are tested on their own.
            ["IdentityProvider__LinkRequestsPerAddressPerMinute"] = "10000",
            ["IdentityProvider__SignInAttemptsPerAddressPerMinute"] = "10000",
        };
        foreach (var (key, value) in Mailbox.Settings)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return environment;
    }

    private ServiceProvider BuildCoreServices() =>
        // The customers' identity providers of the tests answer over plain http on 127.0.0.1.
        CoreServicesOver(AppEnvironment(), new Dictionary<string, string?> { ["Sso:AllowHttp"] = "true" });

    /// <summary>
    /// Core's services with the apps' settings (their environment's <c>Section__Key</c> entries, plus
    /// <paramref name="extra"/>) and the apps' key ring in their database, so what these services
    /// protect (SSO secrets, queued mail) the apps can read.
    /// </summary>
    public static ServiceProvider CoreServicesOver(IReadOnlyDictionary<string, string> environment, IReadOnlyDictionary<string, string?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var settings = environment
            .Where(e => e.Key.Contains("__", StringComparison.Ordinal))
            .ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection().SetApplicationName("KeyPortal.Tests").PersistKeysToDbContext<PortalDbContext>();
        services.AddSharedDataProtection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddPortalCore(configuration);
        return services.BuildServiceProvider();
    }

    private static void EnsurePortIsFree(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect("127.0.0.1", port);
        }
        catch (SocketException)
        {
            return;
        }

        throw new InvalidOperationException($"Port {port} is in use; the end-to-end tests need it. Stop whatever listens there.");
    }
}

[CollectionDefinition(KeyPortalApps.Collection)]
public sealed class KeyPortalAppsCollection : ICollectionFixture<KeyPortalApps>;
