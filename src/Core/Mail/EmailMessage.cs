namespace KeyPortal.Core.Mail;

/// <summary>A message ready to send: plain text and HTML bodies of the same content.</summary>
/// <param name="Links">The action links in the message, logged by the development sender.</param>
public sealed record EmailMessage(string To, string Subject, string TextBody, string HtmlBody, IReadOnlyList<Uri> Links)
{
    /// <summary>
    /// The message's <c>Message-ID</c>, fixed when it is queued, so a message sent a second time
    /// (the server took it but the sender died before marking it sent) carries the same id.
    /// </summary>
    public string? MessageId { get; init; }
}

/// <summary>
/// Sends an email about a change. The product's implementation, <see cref="MailOutbox"/>, writes
/// it to the outbox in the unit of work that makes the change, so the email exists exactly when
/// the change does; <see cref="MailOutboxSender"/> delivers it.
/// </summary>
public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default);
}

/// <summary>Hands one message to the mail system (SMTP, or files in Development).</summary>
public interface IMailTransport
{
    Task DeliverAsync(EmailMessage message, CancellationToken cancellationToken = default);
}
