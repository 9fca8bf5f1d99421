using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KeyPortal.TestSupport;

namespace KeyPortal.EndToEnd.ScaleOut;

/// <summary>
/// The demo's kept PostgreSQL cluster (<c>./run.sh --postgres</c>) has a password. Whoever else
/// listens on its port while it is down must neither be taken for it nor be handed the password.
/// </summary>
public sealed class KeptClusterTests
{
    private const string Password = "5f0c6e1d2b3a49788a7e6d5c4b3a2f10";

    [Fact]
    public async Task A_stranger_on_the_kept_clusters_port_is_refused_and_never_sent_the_password()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"keyportal-pg-stranger-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "password"), Password);
        using var stranger = new TcpListener(IPAddress.Loopback, 0);
        stranger.Start();
        var received = new ConcurrentQueue<byte[]>();
        using var stop = new CancellationTokenSource();
        var answering = AskForThePasswordInClearAsync(stranger, received, stop.Token);
        try
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ScaleOutApps.RunBashAsync(
                Path.Combine(RepositoryPaths.Root, "tests", "postgres.sh"),
                new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["KEYPORTAL_PG_PORT"] = ((IPEndPoint)stranger.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["KEYPORTAL_PG_DIR"] = directory,
                    ["KEYPORTAL_PG_KEEP"] = "1",
                },
                "start"));

            Assert.Contains($"it is not the cluster in {directory}", refused.Message, StringComparison.Ordinal);
            // It did speak to the stranger (the readiness probe), and told it nothing secret.
            Assert.NotEmpty(received);
            Assert.DoesNotContain(Password, Encoding.Latin1.GetString([.. received.SelectMany(bytes => bytes)]), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            stranger.Stop();
            await answering;
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Plays a PostgreSQL server that declines TLS and GSS encryption and asks every client for
    /// its password in clear text (AuthenticationCleartextPassword), keeping all bytes it is sent.
    /// </summary>
    private static async Task AskForThePasswordInClearAsync(TcpListener listener, ConcurrentQueue<byte[]> received, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            using (client)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                try
                {
                    await AnswerAsync(client.GetStream(), received, timeout.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or EndOfStreamException)
                {
                    // The client went away, or the test ended.
                }
            }
        }
    }

    private static async Task AnswerAsync(NetworkStream stream, ConcurrentQueue<byte[]> received, CancellationToken cancellationToken)
    {
        // SSLRequest and GSSENCRequest (declined with 'N'), then the startup message.
        while (true)
        {
            var message = await ReadUntypedAsync(stream, cancellationToken);
            received.Enqueue(message);
            if (message.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(message.AsSpan(4)) is not (80877103 or 80877104))
            {
                break;
            }

            await stream.WriteAsync("N"u8.ToArray(), cancellationToken);
        }

        // 'R', length 8, 3: send the password in clear.
        await stream.WriteAsync(new byte[] { (byte)'R', 0, 0, 0, 8, 0, 0, 0, 3 }, cancellationToken);
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            received.Enqueue(buffer[..read]);
        }
    }

    /// <summary>A message without a type byte: its 4-byte length (itself included), then the rest.</summary>
    private static async Task<byte[]> ReadUntypedAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var length = new byte[4];
        await stream.ReadExactlyAsync(length, cancellationToken);
        var size = BinaryPrimitives.ReadInt32BigEndian(length);
        if (size is < 4 or > 10_000)
        {
            throw new IOException("not a PostgreSQL startup message");
        }

        var message = new byte[size];
        length.CopyTo(message, 0);
        await stream.ReadExactlyAsync(message.AsMemory(4), cancellationToken);
        return message;
    }
}
