using KeyPortal.Core.Mail;

namespace KeyPortal.Core.Tests.Mail;

/// <summary>Which refusals of a recipient end an email's delivery, and which are tried again.</summary>
public sealed class SmtpRefusalTests
{
    [Theory]
    [InlineData("5.1.1 <nobody@contoso.example>: Recipient address rejected: User unknown", true)]
    [InlineData("550 5.1.1 User unknown", true)]
    [InlineData("  5.1.10 Recipient address has null MX", true)]
    [InlineData("5.2.1 Mailbox disabled", true)]
    [InlineData("5.1.2 Bad destination system address", true)]
    [InlineData("5.1.11 no such status", false)]
    [InlineData("5.1.1.5 not a status code", false)]
    [InlineData("5.7.1 Relay access denied", false)]
    [InlineData("5.1.8 Sender address rejected", false)]
    [InlineData("5.1.7 Bad sender's mailbox address syntax", false)]
    [InlineData("4.2.1 Mailbox busy", false)]
    [InlineData("User unknown, see 5.1.1", false)]
    [InlineData("", false)]
    public void Only_an_enhanced_status_code_for_a_bad_address_makes_a_refused_recipient_final(string reply, bool final)
    {
        Assert.Equal(final, MailOutboxSender.RefusesTheAddress(reply));
        Assert.Equal(final, MailOutboxSender.IsPermanent(new MailKit.Net.Smtp.SmtpCommandException(
            MailKit.Net.Smtp.SmtpErrorCode.RecipientNotAccepted, MailKit.Net.Smtp.SmtpStatusCode.MailboxUnavailable, reply)));
    }
}
