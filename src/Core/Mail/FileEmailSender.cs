using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Mail;

/// <summary>
/// Development delivery: writes each message as an .eml file (openable by any mail client)
/// and logs its subject and links so a developer can follow them from the console.
/// </summary>
public sealed partial class FileEmailSender(IOptions<MailOptions> options, TimeProvider clock, ILogger<FileEmailSender> logger) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mail = options.Value;
        Directory.CreateDirectory(mail.Directory);
        using var mime = MimeMessages.Create(message, mail);
        var name = $"{clock.GetUtcNow():yyyyMMdd-HHmmss-fff}-{Guid.NewGuid():N}.eml";
        var path = Path.Combine(mail.Directory, name);
        await mime.WriteToAsync(path, cancellationToken);
        var fullPath = Path.GetFullPath(path);
        var links = string.Join(" ", message.Links.Select(l => l.AbsoluteUri));
        LogWritten(logger, message.To, message.Subject, fullPath, links);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Email to {To} \"{Subject}\" written to {Path}; links: {Links}")]
    private static partial void LogWritten(ILogger logger, string to, string subject, string path, string links);
}
