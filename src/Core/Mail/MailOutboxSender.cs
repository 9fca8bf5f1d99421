using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Mail;

/// <summary>
/// Delivers the outbox. A claim moves up to <see cref="MailOutboxOptions.BatchSize"/> due messages'
/// next attempt past a lease in one statement (on PostgreSQL the rows are picked
/// <c>FOR UPDATE SKIP LOCKED</c>, on SQLite under the write lock), so two senders never hold the
/// same message. Each is then handed to the mail server and marked sent; a failure schedules the
/// next try with a doubling delay.
/// </summary>
/// <remarks>
/// Delivery is at least once. The one case of a second copy: the mail server accepted the message
/// and the sender never recorded it (it died or lost the database before the mark, or its wait for
/// the server's reply to the message ended first); the next try sends it again, with the same
/// <c>Message-ID</c>, so mail clients show it once.
/// </remarks>
public sealed partial class MailOutboxSender(
    IServiceScopeFactory scopes, IMailTransport transport, MailOutboxPayloads payloads, TimeProvider clock,
    IOptions<MailOptions> options, ILogger<MailOutboxSender> logger)
{
    /// <summary>How often sent records past <see cref="MailOutboxOptions.KeepSent"/> are deleted.</summary>
    private static readonly TimeSpan SweepEvery = TimeSpan.FromHours(1);

    private long _nextSweep;

    /// <summary>Claims and delivers one batch of due messages; returns how many it claimed.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value.Outbox;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = clock.GetUtcNow();
        var leaseEnds = now + settings.Lease;
        var claimed = await ClaimAsync(db, now.UtcTicks, leaseEnds.UtcTicks, settings.BatchSize, cancellationToken);
        foreach (var message in claimed)
        {
            await DeliverAsync(db, message, settings, leaseEnds, cancellationToken);
        }

        await SweepAsync(db, settings, cancellationToken);
        return claimed.Count;
    }

    /// <summary>Claims and delivers the due messages among <paramref name="ids"/> (what one process queued), one at a time.</summary>
    public async Task DeliverAsync(IEnumerable<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var settings = options.Value.Outbox;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        foreach (var id in ids)
        {
            var now = clock.GetUtcNow();
            var leaseEnds = now + settings.Lease;
            var claimed = await WriteAsync(db, () => db.Database.SqlQuery<ClaimedMessage>($"""
                UPDATE mail_outbox SET "NextAttemptAt" = {leaseEnds.UtcTicks}, "Attempts" = "Attempts" + 1
                WHERE "Id" = {id} AND "SentAt" IS NULL AND "GaveUpAt" IS NULL AND "NextAttemptAt" <= {now.UtcTicks}
                RETURNING "Id", "CreatedAt", "Attempts", "Payload"
                """).ToListAsync(cancellationToken), cancellationToken);
            foreach (var message in claimed)
            {
                await DeliverAsync(db, message, settings, leaseEnds, cancellationToken);
            }
        }
    }

    private async Task DeliverAsync(PortalDbContext db, ClaimedMessage message, MailOutboxOptions settings, DateTimeOffset leaseEnds, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (message.Payload is null || now.UtcTicks - message.CreatedAt > settings.GiveUpAfter.Ticks)
        {
            await GiveUpAsync(db, message, "Expired", cancellationToken);
            return;
        }

        var smtpTimeout = TimeSpan.FromSeconds(options.Value.Smtp.TimeoutSeconds);
        if (now + smtpTimeout + LeaseMargin >= leaseEnds)
        {
            // Its delivery could outlast the claim and meet another sender's: leave it to the next claim.
            await RescheduleAsync(db, message, now, "LeaseTooShort", cancellationToken);
            return;
        }

        // The delivery ends before the claim does, whatever the mail server does (MailKit's timeout
        // is per operation): another sender never sends it while this one still might.
        using var withinLease = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        withinLease.CancelAfter(leaseEnds - now - LeaseMargin);
        try
        {
            await transport.DeliverAsync(payloads.Unprotect(message.Payload), withinLease.Token);
        }
        catch (Exception exception) when (IsPermanent(exception))
        {
            // A recipient address the server refuses for good, or one that does not parse: no retry helps.
            await GiveUpAsync(db, message, Describe(exception), cancellationToken);
            return;
        }
#pragma warning disable CA1031 // Any other failure of the mail server or of the message is a retry later, never the end of the sender.
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            var delay = RetryDelay(message.Attempts, settings);
            if (exception is MailKit.Net.Smtp.SmtpCommandException { StatusCode: var code } && (int)code >= 500 && delay < settings.RefusedRetryDelay)
            {
                delay = settings.RefusedRetryDelay;
            }

            var error = Describe(exception);
            LogFailed(logger, message.Id, message.Attempts, error, delay);
            await RescheduleAsync(db, message, clock.GetUtcNow() + delay, error, cancellationToken);
            return;
        }

        // The server has it: from here on only the mark can be lost (and the message then sent once more).
        var sentAt = clock.GetUtcNow().UtcTicks;
        await WriteAsync(db, () => Claimed(db, message)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.SentAt, sentAt).SetProperty(m => m.Payload, (string?)null).SetProperty(m => m.LastError, (string?)null), CancellationToken.None),
            CancellationToken.None);
    }

    /// <summary>Time kept between the end of a delivery and the end of its claim.</summary>
    internal static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The message while this claim holds it: a sender whose claim ended (another sender claimed the
    /// message again, counting one more attempt) writes nothing.
    /// </summary>
    private static IQueryable<OutboxMessage> Claimed(PortalDbContext db, ClaimedMessage message) =>
        db.Set<OutboxMessage>().Where(m => m.Id == message.Id && m.Attempts == message.Attempts && m.SentAt == null && m.GaveUpAt == null);

    /// <summary>
    /// Whether no retry can help: the server refused the recipient for good (a 5xx to <c>RCPT TO</c>),
    /// or the message does not parse. A 5xx to anything else (our sender address, the message, an
    /// unexpected reply) may be a misconfiguration of the server or of ours that is fixed before the
    /// message expires, so it is retried until then.
    /// </summary>
    internal static bool IsPermanent(Exception exception) => exception switch
    {
        MailKit.Net.Smtp.SmtpCommandException { ErrorCode: MailKit.Net.Smtp.SmtpErrorCode.RecipientNotAccepted, StatusCode: var code } refusal =>
            (int)code >= 500 && RefusesTheAddress(refusal.Message),
        MimeKit.ParseException => true,
        _ => false,
    };

    /// <summary>
    /// Enhanced status codes (RFC 3463, RFC 7505) that say the recipient's address itself is bad for
    /// good: no such mailbox or domain, bad syntax, ambiguous, moved, null MX, disabled.
    /// </summary>
    private static readonly HashSet<string> BadAddress = ["5.1.1", "5.1.2", "5.1.3", "5.1.4", "5.1.6", "5.1.10", "5.2.1"];

    /// <summary>
    /// Whether a refusal of a recipient names the address as the reason. Many servers hold back
    /// refusals of the client or the sender (relay denied, sender rejected, policy: 5.7.x, 5.1.7,
    /// 5.1.8) until the recipient, so a 5xx there without one of <see cref="BadAddress"/> is retried
    /// until <see cref="MailOutboxOptions.GiveUpAfter"/> rather than the email dropped.
    /// </summary>
    internal static bool RefusesTheAddress(string reply) => EnhancedStatusOf(reply) is { } status && BadAddress.Contains(status);

    /// <summary>The enhanced status code (RFC 3463) a reply starts with, such as <c>5.1.1</c>, or null.</summary>
    private static string? EnhancedStatusOf(string reply) =>
        EnhancedStatus().Match(reply) is { Success: true } match ? match.Groups["status"].Value : null;

    [System.Text.RegularExpressions.GeneratedRegex(@"^\s*(?:\d{3}[ -])?(?<status>[245]\.\d{1,3}\.\d{1,3})(?![\d.])")]
    private static partial System.Text.RegularExpressions.Regex EnhancedStatus();

    /// <summary>
    /// What a failure is recorded as: its type, and the server's status code and enhanced status
    /// code when it gave them (digits only: nothing of the server's own text).
    /// </summary>
    internal static string Describe(Exception exception) => exception switch
    {
        MailKit.Net.Smtp.SmtpCommandException { StatusCode: var code } command =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{command.GetType().Name} {(int)code}")
            + (EnhancedStatusOf(command.Message) is { } status ? " " + status : ""),
        _ => exception.GetType().Name,
    };

    private async Task GiveUpAsync(PortalDbContext db, ClaimedMessage message, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcTicks;
        await WriteAsync(db, () => Claimed(db, message)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.GaveUpAt, now).SetProperty(m => m.Payload, (string?)null).SetProperty(m => m.LastError, reason), cancellationToken), cancellationToken);
        LogGaveUp(logger, message.Id, message.Attempts, reason);
    }

    /// <summary>The wait before the next try after <paramref name="attempts"/> tries: doubling from the first delay, capped, with a tenth of jitter so senders do not retry in step.</summary>
    internal static TimeSpan RetryDelay(int attempts, MailOutboxOptions settings)
    {
        var doubled = settings.FirstRetryDelay.Ticks * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var capped = Math.Min(doubled, settings.MaxRetryDelay.Ticks);
        return TimeSpan.FromTicks((long)(capped * (0.9 + (Random.Shared.NextDouble() * 0.2))));
    }

    private static Task<int> RescheduleAsync(PortalDbContext db, ClaimedMessage message, DateTimeOffset at, string error, CancellationToken cancellationToken) =>
        WriteAsync(db, () => Claimed(db, message)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, at.UtcTicks).SetProperty(m => m.LastError, error), cancellationToken), cancellationToken);

    private async Task SweepAsync(PortalDbContext db, MailOutboxOptions settings, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcTicks;
        if (now < Interlocked.Read(ref _nextSweep))
        {
            return;
        }

        Interlocked.Exchange(ref _nextSweep, now + SweepEvery.Ticks);
        var before = now - settings.KeepSent.Ticks;
        await WriteAsync(db, () => db.Set<OutboxMessage>()
            .Where(m => (m.SentAt != null && m.SentAt < before) || (m.GaveUpAt != null && m.GaveUpAt < before))
            .ExecuteDeleteAsync(cancellationToken), cancellationToken);
    }

    private static async Task<List<ClaimedMessage>> ClaimAsync(PortalDbContext db, long now, long leaseEnds, int batch, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            return await db.Database.SqlQuery<ClaimedMessage>($"""
                UPDATE mail_outbox SET "NextAttemptAt" = {leaseEnds}, "Attempts" = "Attempts" + 1
                WHERE "Id" IN (
                    SELECT "Id" FROM mail_outbox
                    WHERE "SentAt" IS NULL AND "GaveUpAt" IS NULL AND "NextAttemptAt" <= {now}
                    ORDER BY "NextAttemptAt", "Id" LIMIT {batch}
                    FOR UPDATE SKIP LOCKED)
                RETURNING "Id", "CreatedAt", "Attempts", "Payload"
                """).ToListAsync(cancellationToken);
        }

        return await WriteAsync(db, () => db.Database.SqlQuery<ClaimedMessage>($"""
            UPDATE mail_outbox SET "NextAttemptAt" = {leaseEnds}, "Attempts" = "Attempts" + 1
            WHERE "Id" IN (
                SELECT "Id" FROM mail_outbox
                WHERE "SentAt" IS NULL AND "GaveUpAt" IS NULL AND "NextAttemptAt" <= {now}
                ORDER BY "NextAttemptAt", "Id" LIMIT {batch})
            RETURNING "Id", "CreatedAt", "Attempts", "Payload"
            """).ToListAsync(cancellationToken), cancellationToken);
    }

    /// <summary>A statement that writes, in SQLite's turn at the file (SaveChanges takes it by itself; these statements do not).</summary>
    private static Task<T> WriteAsync<T>(PortalDbContext db, Func<Task<T>> write, CancellationToken cancellationToken) =>
        db.InWriteTurnAsync(write, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email {OutboxId} not delivered (try {Attempts}, {Error}); next try in {Delay}")]
    private static partial void LogFailed(ILogger logger, long outboxId, int attempts, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Email {OutboxId} given up after {Attempts} tries ({Reason}): its content is deleted")]
    private static partial void LogGaveUp(ILogger logger, long outboxId, int attempts, string reason);

    internal sealed class ClaimedMessage
    {
        public long Id { get; set; }

        public long CreatedAt { get; set; }

        public int Attempts { get; set; }

        public string? Payload { get; set; }
    }
}

/// <summary>Runs <see cref="MailOutboxSender"/> in an app: woken by its own commits, polling for the rest, never stopped by a failure.</summary>
public sealed partial class MailOutboxService(MailOutboxSender sender, MailOutboxSignal signal, IOptions<MailOptions> options, ILogger<MailOutboxService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Outbox;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var claimed = await sender.DeliverDueAsync(stoppingToken);
                failures = 0;
                if (claimed == settings.BatchSize)
                {
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The database may be away for a while: the sender waits and tries again.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                failures++;
                LogUnavailable(logger, exception.GetType().Name, failures);
            }

            // After failures, wait longer (up to 8 poll intervals) so an outage is not hammered.
            await signal.WaitAsync(settings.PollInterval * Math.Min(8, 1 << Math.Min(failures, 3)), stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The mail outbox could not be read ({Error}, {Failures} in a row); trying again")]
    private static partial void LogUnavailable(ILogger logger, string error, int failures);
}
