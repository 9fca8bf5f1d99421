using KeyPortal.Core.Mail;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Tests.Mail;

/// <summary>
/// The outbox over a real database and a real SMTP server: an email exists exactly when the
/// change that causes it commits, its content is encrypted while it waits, the sender delivers it
/// once (also with two senders at work), a mail server that is away delays it without failing the
/// change, and a sender that dies leaves its messages to the next claim.
/// </summary>
public abstract class MailOutboxTests(DatabaseFixture fixture) : DatabaseTests(fixture), IDisposable
{
    private static readonly MailOutboxPayloads Payloads = new(new EphemeralDataProtectionProvider().CreateProtector(MailOutboxPayloads.Purpose));

    private readonly Mailbox _mailbox = new();

    public void Dispose()
    {
        _mailbox.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task An_email_is_queued_with_its_change_and_not_at_all_when_the_change_rolls_back()
    {
        await ClearOutboxAsync();
        await using (var db = Database.CreateContext())
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.InTransactionAsync<bool>(async ct =>
            {
                await Outbox(db).SendAsync(Message("rolled-back@contoso.example", "Your one-time code is 493817."), ct);
                throw new InvalidOperationException("the change fails after its email was queued");
            }));
            await db.InTransactionAsync(async ct =>
            {
                await Outbox(db).SendAsync(Message("committed@contoso.example", "Your one-time code is 271828."), ct);
                return true;
            });
        }

        await using var check = Database.CreateContext();
        var rows = await check.Set<OutboxMessage>().AsNoTracking().ToListAsync();
        var row = Assert.Single(rows);
        Assert.Null(row.SentAt);
        Assert.Equal(0, row.Attempts);
        // The code waits encrypted, and the recipient with it.
        Assert.DoesNotContain("271828", row.Payload, StringComparison.Ordinal);
        Assert.DoesNotContain("committed@", row.Payload, StringComparison.Ordinal);
        Assert.Equal("committed@contoso.example", Payloads.Unprotect(row.Payload!).To);
    }

    [Fact]
    public async Task The_sender_delivers_over_smtp_marks_it_sent_and_deletes_the_content()
    {
        await ClearOutboxAsync();
        await QueueAsync(Message("ada@contoso.example", "Your one-time code is 161803."));

        Assert.Equal(1, await Sender().DeliverDueAsync());

        var received = await _mailbox.NextAsync("ada@contoso.example", "Outbox test");
        Assert.Equal("161803", received.Code());
        await using var db = Database.CreateContext();
        var row = await db.Set<OutboxMessage>().AsNoTracking().SingleAsync();
        Assert.NotNull(row.SentAt);
        Assert.Null(row.Payload);
        Assert.Equal(1, row.Attempts);
        Assert.Equal(0, await Sender().DeliverDueAsync());
        Assert.Equal(1, _mailbox.CountTo("ada@contoso.example"));
    }

    [Fact]
    public async Task A_mail_server_that_is_away_delays_the_email_and_it_arrives_once_when_the_server_is_back()
    {
        await ClearOutboxAsync();
        var port = Mailbox.FreeLoopbackPort();
        await QueueAsync(Message("grace@contoso.example", "Your one-time code is 141421."));

        // Nothing listens: the try fails, the message waits for a retry with its content kept.
        Assert.Equal(1, await Sender(port).DeliverDueAsync());
        await using (var db = Database.CreateContext())
        {
            var waiting = await db.Set<OutboxMessage>().AsNoTracking().SingleAsync();
            Assert.Null(waiting.SentAt);
            Assert.NotNull(waiting.Payload);
            Assert.Equal(1, waiting.Attempts);
            Assert.False(string.IsNullOrEmpty(waiting.LastError));
            Assert.True(waiting.NextAttemptAt > Clock.GetUtcNow().UtcTicks, "the retry waits");
        }

        Assert.Equal(0, await Sender(port).DeliverDueAsync());

        using var server = netDumbster.smtp.SimpleSmtpServer.Start(port);
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await Sender(port).DeliverDueAsync());
        Assert.Equal(0, await Sender(port).DeliverDueAsync());
        Assert.Single(server.ReceivedEmail);
    }

    [Fact]
    public async Task Two_senders_at_work_deliver_every_email_exactly_once()
    {
        await ClearOutboxAsync();
        const int count = 60;
        for (var i = 0; i < count; i++)
        {
            await QueueAsync(Message($"person-{i}@contoso.example", "Your one-time code is 100000."));
        }

        var first = Sender(batchSize: 5);
        var second = Sender(batchSize: 5);
        await Task.WhenAll(Task.Run(() => DrainAsync(first)), Task.Run(() => DrainAsync(second)));

        await _mailbox.NextAsync($"person-{count - 1}@contoso.example", "Outbox test");
        await Eventually.HoldsAsync(() => _mailbox.All.Count >= count, $"{count} emails arrive");
        Assert.Equal(count, _mailbox.All.Count);
        Assert.Equal(count, _mailbox.All.Select(e => e.To).Distinct(StringComparer.Ordinal).Count());
        await using var db = Database.CreateContext();
        Assert.Equal(count, await db.Set<OutboxMessage>().CountAsync(m => m.SentAt != null && m.Attempts == 1));
    }

    [Fact]
    public async Task A_sender_that_died_with_its_claim_leaves_the_email_to_the_next_claim_after_the_lease()
    {
        await ClearOutboxAsync();
        await QueueAsync(Message("linus@contoso.example", "Your one-time code is 173205."));
        await using (var db = Database.CreateContext())
        {
            // A claim as a sender makes it, by a sender that then dies before delivering.
            var lease = Clock.GetUtcNow().UtcTicks + TimeSpan.FromMinutes(5).Ticks;
            await db.Set<OutboxMessage>().ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, lease).SetProperty(m => m.Attempts, 1));
        }

        Assert.Equal(0, await Sender().DeliverDueAsync());
        Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, await Sender().DeliverDueAsync());

        await _mailbox.NextAsync("linus@contoso.example", "Outbox test");
        await using var check = Database.CreateContext();
        Assert.Equal(2, (await check.Set<OutboxMessage>().AsNoTracking().SingleAsync()).Attempts);
    }

    [Fact]
    public async Task A_message_past_its_time_is_given_up_and_its_content_deleted()
    {
        await ClearOutboxAsync();
        await QueueAsync(Message("old@contoso.example", "Your one-time code is 223606."));
        Clock.Advance(new MailOutboxOptions().GiveUpAfter + TimeSpan.FromMinutes(1));

        Assert.Equal(1, await Sender().DeliverDueAsync());

        await using var db = Database.CreateContext();
        var row = await db.Set<OutboxMessage>().AsNoTracking().SingleAsync();
        Assert.NotNull(row.GaveUpAt);
        Assert.Null(row.SentAt);
        Assert.Null(row.Payload);
        Assert.Equal(0, _mailbox.CountTo("old@contoso.example"));
    }

    [Fact]
    public async Task A_sender_whose_claim_was_taken_over_writes_nothing_over_the_new_claim()
    {
        await ClearOutboxAsync();
        await QueueAsync(Message("slow@contoso.example", "Your one-time code is 314159."));
        long newLease = 0;
        // While this sender is stuck in its delivery, its claim ends and another sender claims the message again.
        var stuck = new Transport(async _ =>
        {
            await using var db = Database.CreateContext();
            newLease = Clock.GetUtcNow().UtcTicks + TimeSpan.FromMinutes(5).Ticks;
            await db.Set<OutboxMessage>().ExecuteUpdateAsync(s => s.SetProperty(m => m.Attempts, m => m.Attempts + 1).SetProperty(m => m.NextAttemptAt, newLease));
            throw new IOException("the mail server went away");
        });

        Assert.Equal(1, await Sender(transport: stuck).DeliverDueAsync());

        await using var check = Database.CreateContext();
        var row = await check.Set<OutboxMessage>().AsNoTracking().SingleAsync();
        Assert.Equal(newLease, row.NextAttemptAt);
        Assert.Equal(2, row.Attempts);
        Assert.Null(row.LastError);
        Assert.NotNull(row.Payload);
    }

    [Fact]
    public async Task A_recipient_the_server_refuses_for_good_is_given_up_at_once_and_a_failed_goodbye_is_no_failure()
    {
        await ClearOutboxAsync();
        await QueueAsync(Message("nobody@contoso.example", "Your one-time code is 271828."));
        var refusing = new Transport(_ => throw new MailKit.Net.Smtp.SmtpCommandException(
            MailKit.Net.Smtp.SmtpErrorCode.RecipientNotAccepted, MailKit.Net.Smtp.SmtpStatusCode.MailboxUnavailable, "5.1.1 <nobody@contoso.example>: Recipient address rejected: User unknown"));

        Assert.Equal(1, await Sender(transport: refusing).DeliverDueAsync());

        await using var db = Database.CreateContext();
        var row = await db.Set<OutboxMessage>().AsNoTracking().SingleAsync();
        Assert.NotNull(row.GaveUpAt);
        Assert.Null(row.Payload);
        Assert.Equal("SmtpCommandException 550 5.1.1", row.LastError);
        Assert.False(MailOutboxSender.IsPermanent(new MailKit.Net.Smtp.SmtpCommandException(
            MailKit.Net.Smtp.SmtpErrorCode.RecipientNotAccepted, MailKit.Net.Smtp.SmtpStatusCode.MailboxBusy, "450 try later")));
    }

    [Theory]
    [InlineData(MailKit.Net.Smtp.SmtpErrorCode.SenderNotAccepted, MailKit.Net.Smtp.SmtpStatusCode.MailboxUnavailable, "5.1.8 <portal@keyportal.example>: Sender address rejected", "SmtpCommandException 550 5.1.8")]
    [InlineData(MailKit.Net.Smtp.SmtpErrorCode.MessageNotAccepted, MailKit.Net.Smtp.SmtpStatusCode.TransactionFailed, "5.6.0 refused", "SmtpCommandException 554 5.6.0")]
    [InlineData(MailKit.Net.Smtp.SmtpErrorCode.UnexpectedStatusCode, MailKit.Net.Smtp.SmtpStatusCode.CommandNotImplemented, "refused", "SmtpCommandException 502")]
    // Servers that hold back refusals of the client or the sender until the recipient.
    [InlineData(MailKit.Net.Smtp.SmtpErrorCode.RecipientNotAccepted, MailKit.Net.Smtp.SmtpStatusCode.TransactionFailed, "5.7.1 <someone@contoso.example>: Relay access denied", "SmtpCommandException 554 5.7.1")]
    [InlineData(MailKit.Net.Smtp.SmtpErrorCode.RecipientNotAccepted, MailKit.Net.Smtp.SmtpStatusCode.MailboxUnavailable, "5.1.8 <portal@keyportal.example>: Sender address rejected: Domain not found", "SmtpCommandException 550 5.1.8")]
    [InlineData(MailKit.Net.Smtp.SmtpErrorCode.RecipientNotAccepted, MailKit.Net.Smtp.SmtpStatusCode.MailboxUnavailable, "Requested action not taken", "SmtpCommandException 550")]
    public async Task A_server_that_refuses_our_sender_or_the_message_is_tried_again_and_the_email_kept(
        MailKit.Net.Smtp.SmtpErrorCode refusal, MailKit.Net.Smtp.SmtpStatusCode status, string reply, string recorded)
    {
        await ClearOutboxAsync();
        await QueueAsync(Message("someone@contoso.example", "Your one-time code is 141421."));
        var refusing = new Transport(_ => throw new MailKit.Net.Smtp.SmtpCommandException(refusal, status, reply));

        Assert.Equal(1, await Sender(transport: refusing).DeliverDueAsync());

        await using (var db = Database.CreateContext())
        {
            var row = await db.Set<OutboxMessage>().AsNoTracking().SingleAsync();
            Assert.Null(row.GaveUpAt);
            Assert.Null(row.SentAt);
            Assert.NotNull(row.Payload);
            Assert.Equal(recorded, row.LastError);
            // A refusal is asked again rarely, not at the doubling delay's first seconds.
            Assert.True(row.NextAttemptAt >= (Clock.GetUtcNow() + new MailOutboxOptions().RefusedRetryDelay).UtcTicks, "the next try waits the refused-retry delay");
        }

        // Once the server takes it again, the email is delivered.
        Clock.Advance(TimeSpan.FromHours(2));
        await DrainAsync(Sender());
        await _mailbox.NextAsync("someone@contoso.example", "Outbox test");
        await using var check = Database.CreateContext();
        Assert.NotNull((await check.Set<OutboxMessage>().AsNoTracking().SingleAsync()).SentAt);
    }

    [Fact]
    public async Task A_tool_delivers_only_the_emails_it_queued()
    {
        await ClearOutboxAsync();
        await QueueAsync(Message("someone-else@contoso.example", "Queued by an app."));
        var signal = new MailOutboxSignal { RecordQueued = true };
        await using (var db = Database.CreateContext())
        {
            await new MailOutbox(db, Payloads, signal, Clock, Options.Create(new MailOptions())).SendAsync(Message("mine@contoso.example", "Queued by the tool."));
        }

        await Sender().DeliverAsync(signal.Queued);

        await _mailbox.NextAsync("mine@contoso.example", "Outbox test");
        await using var check = Database.CreateContext();
        Assert.Equal(1, await check.Set<OutboxMessage>().CountAsync(m => m.SentAt == null));
        Assert.Equal(0, _mailbox.CountTo("someone-else@contoso.example"));
    }

    [Fact]
    public void Retries_wait_twice_as_long_each_time_up_to_the_cap()
    {
        var settings = new MailOutboxOptions { FirstRetryDelay = TimeSpan.FromSeconds(10), MaxRetryDelay = TimeSpan.FromMinutes(2) };
        Assert.InRange(MailOutboxSender.RetryDelay(1, settings), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(11));
        Assert.InRange(MailOutboxSender.RetryDelay(3, settings), TimeSpan.FromSeconds(36), TimeSpan.FromSeconds(44));
        Assert.InRange(MailOutboxSender.RetryDelay(40, settings), TimeSpan.FromSeconds(108), TimeSpan.FromSeconds(132));
    }

    private static EmailMessage Message(string to, string text) => new(to, "Outbox test", text, $"<p>{text}</p>", []);

    private MailOutbox Outbox(PortalDbContext db) =>
        new(db, Payloads, new MailOutboxSignal(), Clock, Options.Create(new MailOptions()));

    private async Task QueueAsync(EmailMessage message)
    {
        await using var db = Database.CreateContext();
        await Outbox(db).SendAsync(message);
    }

    private MailOutboxSender Sender(int? port = null, int batchSize = 10, IMailTransport? transport = null)
    {
        var options = Options.Create(new MailOptions
        {
            Delivery = MailDelivery.Smtp,
            Smtp = new SmtpOptions { Host = "127.0.0.1", Port = port ?? _mailbox.Port, Security = SmtpSecurity.None, TimeoutSeconds = 5 },
            Outbox = new MailOutboxOptions { BatchSize = batchSize },
        });
        var services = new ServiceCollection().AddScoped(_ => Database.CreateContext()).BuildServiceProvider();
        return new MailOutboxSender(services.GetRequiredService<IServiceScopeFactory>(),
            transport ?? new SmtpEmailSender(options, NullLogger<SmtpEmailSender>.Instance), Payloads, Clock, options, NullLogger<MailOutboxSender>.Instance);
    }

    /// <summary>A mail server that behaves as <paramref name="deliver"/> says (narrow: the real one is netDumbster).</summary>
    private sealed class Transport(Func<EmailMessage, Task> deliver) : IMailTransport
    {
        public Task DeliverAsync(EmailMessage message, CancellationToken cancellationToken = default) => deliver(message);
    }

    private static async Task DrainAsync(MailOutboxSender sender)
    {
        while (await sender.DeliverDueAsync() > 0)
        {
        }
    }

    private async Task ClearOutboxAsync()
    {
        await using var db = Database.CreateContext();
        await db.Set<OutboxMessage>().ExecuteDeleteAsync();
    }
}

public sealed class MailOutboxTestsOnSqlite(SqliteDatabaseFixture fixture)
    : MailOutboxTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class MailOutboxTestsOnPostgres(PostgresDatabaseFixture fixture)
    : MailOutboxTests(fixture), IClassFixture<PostgresDatabaseFixture>;
