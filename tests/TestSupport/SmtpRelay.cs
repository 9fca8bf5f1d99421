using System.Net;
using System.Net.Sockets;

namespace KeyPortal.TestSupport;

/// <summary>What a <see cref="SmtpRelay"/> does with the connections it is given.</summary>
public enum SmtpRelayMode
{
    /// <summary>Passes every byte both ways: the mail server as it is.</summary>
    Forward,

    /// <summary>
    /// Passes the message to the server but keeps back every reply after its end (the
    /// <c>CRLF.CRLF</c> of <c>DATA</c>): the server accepted the message, its sender never hears so.
    /// </summary>
    WithholdAcceptance,

    /// <summary>Closes every connection at once, new and open: the mail server is down.</summary>
    Down,
}

/// <summary>
/// A TCP relay on a loopback port in front of a real SMTP server, for faults a real network has:
/// a server that is down for a while, or one whose acceptance of a message never reaches its sender.
/// </summary>
public sealed class SmtpRelay : IAsyncDisposable
{
    private static readonly byte[] EndOfData = "\r\n.\r\n"u8.ToArray();

    private readonly TcpListener _listener;
    private readonly int _serverPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<(TcpClient Client, TcpClient Server)> _open = [];
    private readonly Task _accepting;
    private int _withheld;
    private int _refused;

    public SmtpRelay(int serverPort)
    {
        _serverPort = serverPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public SmtpRelayMode Mode { get; private set; } = SmtpRelayMode.Forward;

    /// <summary>How many messages the server accepted whose acceptance this relay kept from their sender.</summary>
    public int Withheld => Volatile.Read(ref _withheld);

    /// <summary>How many connections were closed because the server was <see cref="SmtpRelayMode.Down"/>.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Changes what the relay does; <see cref="SmtpRelayMode.Down"/> also closes every open connection.</summary>
    public void Set(SmtpRelayMode mode)
    {
        List<(TcpClient Client, TcpClient Server)> open;
        lock (_gate)
        {
            Mode = mode;
            open = mode == SmtpRelayMode.Down ? [.. _open] : [];
        }

        foreach (var (client, server) in open)
        {
            client.Dispose();
            server.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Set(SmtpRelayMode.Down);
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        using (client)
        {
            lock (_gate)
            {
                if (Mode == SmtpRelayMode.Down)
                {
                    _refused++;
                    return;
                }

                _open.Add((client, server));
            }

            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _serverPort, _stop.Token);
                var connection = new Connection();
                // Either direction ending (a close, a reset, Down) ends the connection.
                await Task.WhenAny(
                    PumpAsync(client.GetStream(), server.GetStream(), connection, fromClient: true),
                    PumpAsync(server.GetStream(), client.GetStream(), connection, fromClient: false));
            }
            catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
            {
                // The connection ended as the fault or the close intended.
            }
            finally
            {
                lock (_gate)
                {
                    _open.RemoveAll(c => c.Client == client);
                }
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Connection connection, bool fromClient)
    {
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                if (fromClient)
                {
                    if (Mode == SmtpRelayMode.WithholdAcceptance && connection.SawEndOfData(buffer.AsSpan(0, read)))
                    {
                        Interlocked.Increment(ref _withheld);
                    }
                }
                else if (connection.Withholding)
                {
                    // The server's "250 OK" for the message (and anything after it) goes nowhere.
                    continue;
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The other side went away.
        }
    }

    /// <summary>One connection's state: the last bytes the client sent (an end of data may straddle two reads).</summary>
    private sealed class Connection
    {
        private readonly byte[] _tail = new byte[EndOfData.Length - 1];
        private int _tailLength;
        private volatile bool _withholding;

        public bool Withholding => _withholding;

        public bool SawEndOfData(ReadOnlySpan<byte> received)
        {
            if (_withholding)
            {
                return false;
            }

            var joined = new byte[_tailLength + received.Length];
            _tail.AsSpan(0, _tailLength).CopyTo(joined);
            received.CopyTo(joined.AsSpan(_tailLength));
            _tailLength = Math.Min(_tail.Length, joined.Length);
            joined.AsSpan(joined.Length - _tailLength).CopyTo(_tail);
            _withholding = joined.AsSpan().IndexOf(EndOfData) >= 0;
            return _withholding;
        }
    }
}
