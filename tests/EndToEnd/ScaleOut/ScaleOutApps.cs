using System.Diagnostics;
using KeyPortal.Core;
using KeyPortal.Core.Persistence;
using KeyPortal.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.EndToEnd.ScaleOut;

/// <summary>
/// Two identity providers and two portals as real processes over one PostgreSQL of their own (so
/// a test may restart it without touching the other suites' server), behind Debian's nginx: the
/// deployment <c>./run.sh --instances 2</c> starts, on ports of its own. The proxy answers each
/// response with the instance that served it (<c>X-Upstream</c>).
/// </summary>
public sealed class ScaleOutApps : IAsyncLifetime
{
    public const int IdPPort = 5105;

    public const int PortalPort = 5106;

    public static readonly int[] IdPInstancePorts = [5110, 5111];

    public static readonly int[] PortalInstancePorts = [5120, 5121];

    private const int PostgresPort = 55434;

    private readonly string _postgresDirectory = Path.Combine(Path.GetTempPath(), $"keyportal-pg-scale-{Guid.NewGuid():N}"[..32]);
    private readonly string _proxyDirectory = Path.Combine(Path.GetTempPath(), $"keyportal-scale-proxy-{Guid.NewGuid():N}");
    private readonly Dictionary<int, AppProcess> _instances = [];
    private ServiceProvider? _core;

    public Uri IdP { get; } = new($"http://localhost:{IdPPort}/");

    public Uri Portal { get; } = new($"http://localhost:{PortalPort}/");

    public ScaleOutApps() => MailServer = new SmtpRelay(Mailbox.Port);

    public Mailbox Mailbox { get; } = new();

    /// <summary>The way to <see cref="Mailbox"/> every instance sends through: it can be taken down, or lose acceptances.</summary>
    public SmtpRelay MailServer { get; }

    /// <summary>The apps' database on the kept cluster, with the password its first start generated.</summary>
    public string ConnectionString { get; private set; } = "";

    private static string LogDirectory => Path.Combine(RepositoryPaths.Artifacts, "logs", "scale-out");

    public async Task InitializeAsync()
    {
        await StartPostgresAsync();
        await AppProcess.RunToCompletionAsync("Admin", [RepositoryPaths.AppDll("Admin"), "migrate", "--seed-demo"],
            Environment(), Path.Combine(LogDirectory, "migrate.log"), TimeSpan.FromMinutes(2));

        // The first of each starts alone: it writes the development key files every instance shares.
        foreach (var ports in new[] { (IdPInstancePorts[0], PortalInstancePorts[0]), (IdPInstancePorts[1], PortalInstancePorts[1]) })
        {
            await Task.WhenAll(StartInstanceAsync("IdP", ports.Item1), StartInstanceAsync("Portal", ports.Item2));
        }

        await RunAsync(Path.Combine(RepositoryPaths.Root, "deploy", "proxy.sh"), "start", _proxyDirectory,
            $"{IdPPort}={string.Join(',', IdPInstancePorts)}", $"{PortalPort}={string.Join(',', PortalInstancePorts)}");
    }

    /// <summary>Core's services over the instances' database, to arrange people as the apps' own operations do.</summary>
    public AsyncServiceScope CoreServices()
    {
        _core ??= BuildCoreServices();
        return _core.CreateAsyncScope();
    }

    /// <summary><c>kill -9</c>: the instance gets no chance to finish anything.</summary>
    public async Task KillAsync(int port)
    {
        await _instances[port].DisposeAsync();
        _instances.Remove(port);
    }

    public Task StartInstanceAsync(string app, int port)
    {
        var instance = AppProcess.Start(app, port, [RepositoryPaths.AppDll(app), "--urls", $"http://127.0.0.1:{port}"],
            Environment(), Path.Combine(LogDirectory, $"{app}-{port}.log"));
        _instances[port] = instance;
        return instance.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    public async Task StopPostgresAsync() =>
        await RunAsync(Path.Combine(RepositoryPaths.Root, "tests", "postgres.sh"), "stop");

    public async Task StartPostgresAsync()
    {
        var admin = await RunAsync(Path.Combine(RepositoryPaths.Root, "tests", "postgres.sh"), "start");
        ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(admin.Trim())
        {
            Database = "keyportal", MaxPoolSize = 30, Timeout = 3,
        }.ConnectionString;
        // This process's own pooled connections died with the server (the apps' pools recover by themselves).
        Npgsql.NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Whether any file the proxy wrote (configuration, logs) holds <paramref name="text"/>, such as a link token.</summary>
    public bool ProxyFilesContain(string text) =>
        Directory.EnumerateFiles(_proxyDirectory, "*", SearchOption.AllDirectories)
            .Any(file => File.ReadAllText(file).Contains(text, StringComparison.Ordinal));

    public Task<string> LogTailAsync(int port) => _instances[port].TailAsync();

    /// <summary>Runs a script of the repository (e.g. <c>deploy/backup.sh</c>); throws with its output when it fails.</summary>
    public Task RunScriptAsync(string script, Dictionary<string, string> environment, params string[] arguments) =>
        RunAsync(Path.Combine(RepositoryPaths.Root, script), environment, arguments);

    public async Task DisposeAsync()
    {
        await RunAsync(Path.Combine(RepositoryPaths.Root, "deploy", "proxy.sh"), "stop", _proxyDirectory);
        foreach (var instance in _instances.Values)
        {
            await instance.DisposeAsync();
        }

        if (_core is not null)
        {
            await _core.DisposeAsync();
        }

        await StopPostgresAsync();
        await MailServer.DisposeAsync();
        Mailbox.Dispose();
        foreach (var directory in new[] { _postgresDirectory, _proxyDirectory })
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Cleaned with the temp folder.
            }
            catch (UnauthorizedAccessException)
            {
                // The cluster's files belong to the postgres account.
            }
        }
    }

    private Dictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["Database__Provider"] = "Postgres",
            ["Database__ConnectionString"] = ConnectionString,
            ["PublicUrls__IdP"] = IdP.AbsoluteUri,
            ["PublicUrls__Portal"] = Portal.AbsoluteUri,
            ["PublicUrls__Admin"] = "http://localhost:5107/",
            ["Passkeys__Origins__0"] = IdP.GetLeftPart(UriPartial.Authority),
            ["Passkeys__RelyingPartyId"] = "localhost",
            ["ReverseProxy__KnownProxies__0"] = "127.0.0.1",
            ["IdentityProvider__SignInAttemptsPerAddressPerMinute"] = "10000",
            ["IdentityProvider__LinkRequestsPerAddressPerMinute"] = "10000",
            ["Mail__Outbox__PollInterval"] = "00:00:01",
            // A killed sender's claims come back in seconds, and a failed delivery is retried soon.
            ["Mail__Outbox__Lease"] = "00:00:20",
            ["Mail__Outbox__FirstRetryDelay"] = "00:00:00.500",
            ["Mail__Outbox__MaxRetryDelay"] = "00:00:02",
            ["Mail__Smtp__TimeoutSeconds"] = "5",
            ["Sso__AllowHttp"] = "true",
            // A reused refresh token is theft at once (no grace for a client's own retry), as in the IdP's tests.
            ["IdentityProvider__RefreshTokenReuseLeeway"] = "00:00:00",
        };
        foreach (var (key, value) in Mailbox.Settings)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        environment["Mail__Smtp__Port"] = MailServer.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        return environment;
    }

    private ServiceProvider BuildCoreServices() => KeyPortalApps.CoreServicesOver(Environment());

    /// <summary>Runs <paramref name="script"/>; returns what it printed, or throws with its output when it fails.</summary>
    private Task<string> RunAsync(string script, params string[] arguments) => RunAsync(script, [], arguments);

    private Task<string> RunAsync(string script, Dictionary<string, string> environment, params string[] arguments)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["KEYPORTAL_PG_PORT"] = PostgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["KEYPORTAL_PG_DIR"] = _postgresDirectory,
            ["KEYPORTAL_PG_KEEP"] = "1",
            ["KEYPORTAL_PROXY_SHOW_UPSTREAM"] = "1",
        };
        foreach (var (name, value) in environment)
        {
            settings[name] = value;
        }

        return RunBashAsync(script, settings, arguments);
    }

    /// <summary>Runs a bash script with <paramref name="environment"/> added; its standard output, or an exception with both outputs when it fails.</summary>
    internal static async Task<string> RunBashAsync(string script, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }

        return await output;
    }
}

[CollectionDefinition(Collection)]
public sealed class ScaleOutCollection : ICollectionFixture<ScaleOutApps>
{
    public const string Collection = "Two instances behind a proxy";
}
