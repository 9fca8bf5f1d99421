using MimeKit;

namespace KeyPortal.Core.Mail;

internal static class MimeMessages
{
    public static MimeMessage Create(EmailMessage message, MailOptions options)
    {
        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse(options.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        if (message.MessageId is { } id)
        {
            mime.MessageId = id;
        }

        mime.Body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody }.ToMessageBody();
        return mime;
    }
}
