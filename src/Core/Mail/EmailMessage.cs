namespace KeyPortal.Core.Mail;

/// <summary>A message ready to send: plain text and HTML bodies of the same content.</summary>
/// <param name="Links">The action links in the message, logged by the development sender.</param>
public sealed record EmailMessage(string To, string Subject, string TextBody, string HtmlBody, IReadOnlyList<Uri> Links);

public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default);
}
