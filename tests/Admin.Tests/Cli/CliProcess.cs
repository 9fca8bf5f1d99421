using System.Diagnostics;
using System.Text.Json;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.Admin.Tests.Cli;

/// <summary>How one run of the CLI ended.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>Standard output parsed as the JSON that <c>--json</c> writes.</summary>
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Output);
        return document.RootElement.Clone();
    }

    /// <summary>Standard error's non-empty lines.</summary>
    public IReadOnlyList<string> ErrorLines =>
        [.. Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>
/// The built console (<c>src/Admin/bin/&lt;Configuration&gt;/net10.0/KeyPortal.Admin.dll</c>, built
/// with the solution as the test project references it) run as a process, as an operator runs it,
/// over its own SQLite file and mail folder. One per test class: each run costs about a second.
/// </summary>
public sealed class CliProcess : IDisposable
{
    /// <summary>The IdP address the links must start with (not the development default, to see it is the configured one).</summary>
    public static readonly Uri IdP = new("http://localhost:5900/");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "keyportal-cli-tests", Guid.NewGuid().ToString("N"));

    public CliProcess() => Directory.CreateDirectory(MailDirectory);

    public string MailDirectory => Path.Combine(_directory, "mail");

    public string DatabasePath => Path.Combine(_directory, "portal.db");

    public async Task<CliRun> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AdminProjectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AdminDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["Database__Provider"] = "Sqlite";
        start.Environment["Database__ConnectionString"] = $"Data Source={DatabasePath}";
        start.Environment["Mail__Delivery"] = "Files";
        start.Environment["Mail__Directory"] = MailDirectory;
        start.Environment["PublicUrls__IdP"] = IdP.AbsoluteUri;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"KeyPortal.Admin {string.Join(' ', arguments)} did not exit within a minute.");
        }

        return new CliRun(process.ExitCode, await output, await error);
    }

    /// <summary>The audit entries of <paramref name="action"/>, oldest first, read from the CLI's database.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(string action)
    {
        await using var db = PersistenceServiceCollectionExtensions.CreateContext(
            new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={DatabasePath};Pooling=False" });
        return await db.AuditEntries.AsNoTracking().Where(e => e.Action == action).OrderBy(e => e.Id).ToListAsync();
    }

    /// <summary>The texts of every email written so far.</summary>
    public IReadOnlyList<string> Emails() =>
        [.. Directory.GetFiles(MailDirectory, "*.eml").Select(File.ReadAllText)];

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temp folder is cleaned by the OS.
        }
    }

    private static string Root { get; } = FindRoot();

    private static string AdminProjectDirectory => Path.Combine(Root, "src", "Admin");

    /// <summary>In the configuration the tests were built in: .../tests/Admin.Tests/bin/&lt;Configuration&gt;/net10.0/.</summary>
    private static string AdminDll
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";
            var dll = Path.Combine(AdminProjectDirectory, "bin", configuration, "net10.0", "KeyPortal.Admin.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is not built.");
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Portal.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Portal.sln not found above {AppContext.BaseDirectory}.");
    }
}
