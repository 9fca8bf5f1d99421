using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Mail;

/// <summary>
/// Development delivery: writes each message as an .eml file (openable by any mail client).
/// Refused outside Development (<see cref="MailServiceCollectionExtensions"/>): the files hold
/// live link tokens and codes. The log names the message id, the recipient and the file only:
/// never a subject, link or code, since logs travel further than mailboxes.
/// </summary>
public sealed partial class FileEmailSender(IOptions<MailOptions> options, TimeProvider clock, ILogger<FileEmailSender> logger) : IMailTransport
{
    public async Task DeliverAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mail = options.Value;
        Directory.CreateDirectory(mail.Directory);
        using var mime = MimeMessages.Create(message, mail);
        var name = $"{clock.GetUtcNow():yyyyMMdd-HHmmss-fff}-{Guid.NewGuid():N}.eml";
        var path = Path.Combine(mail.Directory, name);
        // Written aside and renamed: whoever watches the folder never opens half a message.
        var partial = path + ".partial";
        await mime.WriteToAsync(partial, cancellationToken);
        File.Move(partial, path);
        var fullPath = Path.GetFullPath(path);
        LogWritten(logger, mime.MessageId ?? "", message.To, fullPath);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Email {MessageId} to {To} written to {Path}")]
    private static partial void LogWritten(ILogger logger, string messageId, string to, string path);
}
