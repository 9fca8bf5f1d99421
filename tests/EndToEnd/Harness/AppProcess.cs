using System.Diagnostics;
using System.Net;

namespace KeyPortal.EndToEnd.Harness;

/// <summary>
/// One app running as a real Kestrel process (<c>dotnet KeyPortal.X.dll --urls ...</c>), its
/// output written to a log file. Killed with its process tree on dispose.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private AppProcess(string name, int port, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        Port = port;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public string Name { get; }

    public int Port { get; }

    public string LogPath { get; }

    /// <summary>
    /// Starts <c>dotnet</c> with <paramref name="arguments"/> in the app's project folder and the
    /// given environment; output goes to <paramref name="logPath"/>.
    /// </summary>
    public static AppProcess Start(string name, int port, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryPaths.ProjectDirectory(name),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new AppProcess(name, port, process, log, logPath);
    }

    /// <summary>Runs a one-off command (e.g. <c>migrate --seed-demo</c>) to completion; throws with its output on failure.</summary>
    public static async Task RunToCompletionAsync(string name, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string logPath, TimeSpan timeout)
    {
        await using var command = Start(name, port: 0, arguments, environment, logPath);
        using var cancellation = new CancellationTokenSource(timeout);
        await command._process.WaitForExitAsync(cancellation.Token);
        command._process.WaitForExit(); // drains the asynchronous output readers
        if (command._process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{name} {string.Join(' ', arguments)} exited with {command._process.ExitCode}:\n{await command.TailAsync()}");
        }
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200; fails early, with the log's tail, if the process dies.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var ready = new Uri($"http://127.0.0.1:{Port}/health/ready");
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before it was ready:\n{await TailAsync()}");
            }

            try
            {
                using var response = await http.GetAsync(ready);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow first request; try again.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{Name} was not ready on {ready} within {timeout}:\n{await TailAsync()}");
    }

    public async Task<string> TailAsync(int lines = 40)
    {
        await _log.FlushAsync();
        var all = await File.ReadAllLinesAsync(LogPath);
        return string.Join('\n', all.TakeLast(lines));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output that arrives after dispose is dropped.
            }
        }
    }
}
