using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Mail;

/// <summary>Sends through an SMTP server with MailKit (production).</summary>
public sealed partial class SmtpEmailSender(IOptions<MailOptions> options, ILogger<SmtpEmailSender> logger) : IMailTransport
{
    public async Task DeliverAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mail = options.Value;
        using var mime = MimeMessages.Create(message, mail);
        using var client = new SmtpClient { Timeout = mail.Smtp.TimeoutSeconds * 1000 };
        var security = mail.Smtp.Security switch
        {
            SmtpSecurity.None => SecureSocketOptions.None,
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.Auto,
        };
        await client.ConnectAsync(mail.Smtp.Host, mail.Smtp.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(mail.Smtp.UserName))
        {
            await client.AuthenticateAsync(mail.Smtp.UserName, mail.Smtp.Password ?? "", cancellationToken);
        }

        await client.SendAsync(mime, cancellationToken);
        LogSent(logger, mime.MessageId ?? "", mail.Smtp.Host);
        try
        {
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
#pragma warning disable CA1031 // The server has accepted the message: a failed goodbye must not make it a failure (and a second copy).
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogQuitFailed(logger, mime.MessageId ?? "", exception.GetType().Name);
        }
    }

    // Never the subject or body (they may carry a code or a link token), nor the recipient (personal data).
    [LoggerMessage(Level = LogLevel.Information, Message = "Email {MessageId} sent via {Host}")]
    private static partial void LogSent(ILogger logger, string messageId, string host);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email {MessageId} was accepted, but closing the connection failed ({Error})")]
    private static partial void LogQuitFailed(ILogger logger, string messageId, string error);
}
