using System.ComponentModel.DataAnnotations;

namespace KeyPortal.Core.Mail;

/// <summary>How emails leave the product. Section <c>Mail</c>.</summary>
public sealed class MailOptions
{
    public const string SectionName = "Mail";

    /// <summary><c>Files</c> (default: .eml files in <see cref="Directory"/>) or <c>Smtp</c>.</summary>
    public MailDelivery Delivery { get; set; } = MailDelivery.Files;

    /// <summary>Sender address. Default: <c>Key Portal &lt;no-reply@localhost.localdomain&gt;</c>.</summary>
    [Required]
    public string From { get; set; } = "Key Portal <no-reply@localhost.localdomain>";

    /// <summary>Where <see cref="MailDelivery.Files"/> writes messages. Default: <c>data/mail</c>.</summary>
    [Required]
    public string Directory { get; set; } = "data/mail";

    public SmtpOptions Smtp { get; set; } = new();

    public MailOutboxOptions Outbox { get; set; } = new();
}

/// <summary>How the outbox's sender works. Section <c>Mail:Outbox</c>.</summary>
public sealed class MailOutboxOptions
{
    /// <summary>
    /// Whether this instance runs a sender (default true). Any number may: each message is
    /// claimed by one of them at a time.
    /// </summary>
    public bool Send { get; set; } = true;

    /// <summary>How often a sender looks for mail queued by other instances, or due for a retry. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many messages one claim takes. Default 10.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 10;

    /// <summary>
    /// How long a claim holds its messages before another sender may take them (a sender that
    /// died). A message whose claim would end during its delivery is left for the next claim
    /// instead of sent. Default 5 minutes; it must exceed the SMTP timeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The wait after the first failed delivery; it doubles with each failure up to <see cref="MaxRetryDelay"/>. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between tries. Default 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The shortest wait after the mail server refused a message with a 5xx reply that does not
    /// make it final (a refused sender or relay, a policy): such a refusal repeats until someone
    /// changes something, so it is asked again rarely, not every <see cref="MaxRetryDelay"/>.
    /// Default 1 hour.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RefusedRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long after it was queued a message is still tried. Default 7 days, the longest an
    /// emailed link lives (an activation link): nothing in it works any more after that. The
    /// message's content is then deleted.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long the record of a sent message (times and tries, no content) is kept. Default 7 days.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan KeepSent { get; set; } = TimeSpan.FromDays(7);
}

public enum MailDelivery
{
    Files,
    Smtp,
}

public sealed class SmtpOptions
{
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary><c>StartTls</c> (default), <c>SslOnConnect</c>, <c>Auto</c>, or <c>None</c> (test servers only).</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>Optional; when set, the sender authenticates with <see cref="Password"/>.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>Seconds to wait for the server. Default 30.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;
}

public enum SmtpSecurity
{
    None,
    Auto,
    StartTls,
    SslOnConnect,
}
