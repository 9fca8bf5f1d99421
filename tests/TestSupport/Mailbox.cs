using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using netDumbster.smtp;
using Xunit;

namespace KeyPortal.TestSupport;

/// <summary>One email as a person reads it: who it is for, its subject and its plain-text body.</summary>
public sealed partial record ReceivedEmail(string To, string Subject, string Text, string Html)
{
    /// <summary>The <c>Message-ID</c> header: the same for every copy of one outbox message.</summary>
    public string MessageId { get; init; } = "";

    /// <summary>The first link in the text that starts with <paramref name="prefix"/>.</summary>
    public Uri Link(string prefix)
    {
        var match = LinkPattern().Matches(Text).Select(m => m.Value).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return match is null
            ? throw new Xunit.Sdk.XunitException($"The email \"{Subject}\" to {To} has no link starting with {prefix}:\n{Text}")
            : new Uri(match);
    }

    /// <summary>The six-digit one-time code in the email.</summary>
    public string Code()
    {
        var match = CodePattern().Match(Text);
        Assert.True(match.Success, $"The email \"{Subject}\" to {To} has no one-time code:\n{Text}");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"https?://[^\s<>""]+")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"code is (\d{6})")]
    private static partial Regex CodePattern();
}

/// <summary>
/// A real SMTP server on a loopback port (netDumbster) that the apps deliver to with MailKit,
/// read the way a person reads their inbox: wait for the next email to an address.
/// </summary>
public sealed class Mailbox : IDisposable
{
    private readonly SimpleSmtpServer _server;
    private readonly Lock _gate = new();
    private readonly HashSet<SmtpMessage> _taken = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// What arrived, as this mailbox recorded it: the server's own list is not safe to read while a
    /// message is being added (the apps deliver in the background, while a test polls).
    /// </summary>
    private readonly List<SmtpMessage> _received = [];

    public Mailbox()
    {
        Port = FreeLoopbackPort();
        _server = SimpleSmtpServer.Start(Port);
        _server.MessageReceived += (_, e) =>
        {
            lock (_gate)
            {
                _received.Add(e.Message);
            }
        };
    }

    public int Port { get; }

    /// <summary>Settings that make an app send its mail here.</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Mail:Delivery"] = "Smtp",
        ["Mail:Smtp:Host"] = "127.0.0.1",
        ["Mail:Smtp:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Mail:Smtp:Security"] = "None",
    };

    /// <summary>Every email received so far, oldest first.</summary>
    public IReadOnlyList<ReceivedEmail> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _received.Select(Parse)];
            }
        }
    }

    /// <summary>Waits for an email to <paramref name="to"/> that was not returned before and whose subject contains <paramref name="subject"/>.</summary>
    public async Task<ReceivedEmail> NextAsync(string to, string subject, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            lock (_gate)
            {
                foreach (var message in _received)
                {
                    if (_taken.Contains(message))
                    {
                        continue;
                    }

                    var email = Parse(message);
                    if (string.Equals(email.To, to, StringComparison.OrdinalIgnoreCase) && email.Subject.Contains(subject, StringComparison.Ordinal))
                    {
                        _taken.Add(message);
                        return email;
                    }
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                var seen = string.Join("\n", All.Select(e => $"{e.To}: {e.Subject}"));
                Assert.Fail($"No email to {to} with \"{subject}\" arrived. Received:\n{seen}");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>How many emails went to <paramref name="to"/> so far.</summary>
    public int CountTo(string to) => All.Count(e => string.Equals(e.To, to, StringComparison.OrdinalIgnoreCase));

    public void Dispose() => _server.Dispose();

    private static ReceivedEmail Parse(SmtpMessage message)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(message.Data));
        var mime = MimeMessage.Load(stream);
        return new ReceivedEmail(
            mime.To.Mailboxes.Single().Address, mime.Subject ?? "", mime.TextBody ?? "", mime.HtmlBody ?? "")
        {
            MessageId = mime.MessageId ?? "",
        };
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
