using System.Diagnostics;
using System.Globalization;

namespace KeyPortal.TestSupport.Peers;

/// <summary>
/// One peer's operating-system process: what it prints goes to its log file, readiness is waited
/// for by polling a condition (never a fixed sleep), and stopping kills the whole process tree.
/// </summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    /// <summary>How long a peer may take to answer after its start, on a loaded two-core machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logGate = new();
    private readonly string? _workDirectory;
    private bool _disposed;

    private PeerProcess(string peer, Process process, StreamWriter log, string logPath, string? workDirectory)
    {
        Peer = peer;
        _process = process;
        _log = log;
        LogPath = logPath;
        _workDirectory = workDirectory;
    }

    public string Peer { get; }

    public string LogPath { get; }

    /// <summary>
    /// Starts <paramref name="fileName"/> under tests/peers/run-peer.sh, which ends it should this
    /// test process die without disposing it; <paramref name="workDirectory"/> (the peer's generated
    /// configuration) is its working folder and is deleted when the process is disposed. An
    /// environment variable given as null is removed.
    /// </summary>
    public static PeerProcess Start(
        string peer,
        string fileName,
        IReadOnlyList<string> arguments,
        string workDirectory,
        string logPath,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        if (!File.Exists(fileName))
        {
            throw new PeerStartException($"{peer} needs {fileName}, which is not installed: run tests/peers/install.sh.");
        }

        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = workDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(Path.Combine(PeerDirectories.Scripts, "run-peer.sh"));
        startInfo.ArgumentList.Add(fileName);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        var log = new StreamWriter(new FileStream(logPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) { AutoFlush = true };
        log.WriteLine($"$ {fileName} {string.Join(' ', arguments)}");
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var peerProcess = new PeerProcess(peer, process, log, logPath, workDirectory);
        process.OutputDataReceived += (_, line) => peerProcess.Write(line.Data);
        process.ErrorDataReceived += (_, line) => peerProcess.Write(line.Data);
        try
        {
            process.Start();
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            peerProcess.Write($"could not start {fileName}: {exception.Message}");
            log.Dispose();
            process.Dispose();
            throw new PeerStartException(peer, $"{fileName} could not be started ({exception.Message})", logPath, exited: false, exception);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peerProcess;
    }

    /// <summary>
    /// Polls <paramref name="isReady"/> until it holds; fails as soon as the process ends, or after
    /// <see cref="StartTimeout"/>. A probe that throws (connection refused, time-out) counts as "not yet".
    /// </summary>
    public async Task WaitUntilReadyAsync(Func<CancellationToken, Task<bool>> isReady, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        Exception? lastError = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new PeerStartException(Peer, $"its process ended with exit code {_process.ExitCode.ToString(CultureInfo.InvariantCulture)} before it answered", LogPath, exited: true);
            }

            using (var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                probe.CancelAfter(ProbeTimeout);
                try
                {
                    if (await isReady(probe.Token))
                    {
                        return;
                    }
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is HttpRequestException or IOException or System.Net.Sockets.SocketException or OperationCanceledException or TimeoutException)
                {
                    lastError = exception;
                }
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new PeerStartException(Peer, $"it did not answer within {StartTimeout.TotalSeconds} s (last error: {lastError?.Message ?? "none"})", LogPath, exited: false, lastError);
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Starts a peer again on a new port when its process ended before it answered (its port was taken in between).</summary>
    public static async Task<T> StartWithRetriesAsync<T>(Func<CancellationToken, Task<T>> start, CancellationToken cancellationToken)
    {
        const int Attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await start(cancellationToken);
            }
            catch (PeerStartException exception) when (exception.ProcessExited && attempt < Attempts)
            {
                // Try again with a fresh port and folder; the last failure is thrown with its log.
            }
        }
    }

    public void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logGate)
        {
            if (!_disposed)
            {
                _log.WriteLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (Exception exception) when (exception is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            Write($"stopping the process: {exception.Message}");
        }

        lock (_logGate)
        {
            _disposed = true;
            _log.Dispose();
        }

        _process.Dispose();
        if (_workDirectory is not null)
        {
            try
            {
                Directory.Delete(_workDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open: the temp folder is cleaned by the system.
            }
            catch (UnauthorizedAccessException)
            {
                // As above.
            }
        }
    }
}
