using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.DataProtection;

namespace KeyPortal.Core.Mail;

/// <summary>
/// An email waiting to be delivered, or delivered. Times are UTC ticks, as in the throttle's
/// counters, so the sender's claim is one plain statement on either database.
/// </summary>
public sealed class OutboxMessage
{
    /// <summary>In the order the emails were queued.</summary>
    public long Id { get; set; }

    public long CreatedAt { get; set; }

    /// <summary>
    /// When the sender may next take the message. A sender that claims it moves this past the
    /// time its delivery may take (its lease): a sender that dies with the message leaves it to
    /// the next one once the lease ends.
    /// </summary>
    public long NextAttemptAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>When the mail server accepted the message.</summary>
    public long? SentAt { get; set; }

    /// <summary>When the sender stopped trying (<see cref="MailOutboxOptions.GiveUpAfter"/>).</summary>
    public long? GaveUpAt { get; set; }

    /// <summary>
    /// The message (recipient, subject, bodies, links), encrypted with the installation's data
    /// protection: it can hold a one-time code or a link token. Cleared once sent or given up.
    /// </summary>
    public string? Payload { get; set; }

    /// <summary>The type of the last delivery failure (never its message: it can name the recipient).</summary>
    public string? LastError { get; set; }
}

/// <summary>Encrypts outbox payloads under a purpose every app of the installation shares: any instance's sender delivers what any app queued.</summary>
public sealed class MailOutboxPayloads(IDataProtector protector)
{
    public const string Purpose = "KeyPortal.Mail.Outbox";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Protect(EmailMessage message) => protector.Protect(JsonSerializer.Serialize(message, Json));

    public EmailMessage Unprotect(string payload) =>
        JsonSerializer.Deserialize<EmailMessage>(protector.Unprotect(payload), Json)
        ?? throw new JsonException("The outbox payload is empty.");
}

/// <summary>Wakes this process's sender when a unit of work with an email has committed (the others find it on their next poll).</summary>
public sealed class MailOutboxSignal
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private readonly System.Collections.Concurrent.ConcurrentQueue<long> _queued = new();

    /// <summary>
    /// Whether this process keeps the ids of the emails it queued (<see cref="Queued"/>): a tool
    /// that delivers its own mail before it exits. Off in the apps, whose queue would only grow.
    /// </summary>
    public bool RecordQueued { get; set; }

    /// <summary>The committed emails this process queued, while <see cref="RecordQueued"/> is on.</summary>
    public IReadOnlyCollection<long> Queued => _queued;

    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>An email was committed: wakes the sender and, if asked, records its id.</summary>
    public void Committed(long id)
    {
        if (RecordQueued)
        {
            _queued.Enqueue(id);
        }

        Wake();
    }

    /// <summary>Waits for a wake-up or for <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            await _wake.Reader.ReadAsync(bounded.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval passed without a wake-up: time to look anyway.
        }
    }
}

/// <summary>
/// The product's <see cref="IEmailSender"/>: writes the email to the outbox with the change that
/// causes it. Inside <see cref="PortalDbContext.InTransactionAsync{T}"/> the row commits or rolls
/// back with that change; outside one it is saved at once. Nothing here waits for a mail server.
/// </summary>
public sealed class MailOutbox(PortalDbContext db, MailOutboxPayloads payloads, MailOutboxSignal signal, TimeProvider clock, Microsoft.Extensions.Options.IOptions<MailOptions> options) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var now = clock.GetUtcNow().UtcTicks;
        var identified = message with { MessageId = message.MessageId ?? NewMessageId(options.Value.From) };
        var row = new OutboxMessage { CreatedAt = now, NextAttemptAt = now, Payload = payloads.Protect(identified) };
        db.Set<OutboxMessage>().Add(row);
        await db.SaveChangesAsync(cancellationToken);
        await db.AfterCommitAsync(_ =>
        {
            signal.Committed(row.Id);
            return Task.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>A globally unique <c>Message-ID</c> in the sender address's domain.</summary>
    internal static string NewMessageId(string from)
    {
        var domain = MimeKit.MailboxAddress.TryParse(from, out var address) && address.Domain is { Length: > 0 } d ? d : "localhost";
        return $"{Guid.NewGuid():N}@{domain}";
    }
}
