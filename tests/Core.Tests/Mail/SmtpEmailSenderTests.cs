using System.Net.Sockets;
using System.Text;
using KeyPortal.Core.Mail;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using netDumbster.smtp;

namespace KeyPortal.Core.Tests.Mail;

public sealed class SmtpEmailSenderTests : IDisposable
{
    private readonly SimpleSmtpServer _server;
    private readonly SmtpEmailSender _sender;

    public SmtpEmailSenderTests()
    {
        var port = KeyPortal.TestSupport.Mailbox.FreeLoopbackPort();
        _server = SimpleSmtpServer.Start(port);
        var options = new MailOptions
        {
            Delivery = MailDelivery.Smtp,
            From = MailTestData.From,
            Smtp = { Host = "127.0.0.1", Port = port, Security = SmtpSecurity.None, TimeoutSeconds = 10 },
        };
        _sender = new SmtpEmailSender(Options.Create(options), NullLogger<SmtpEmailSender>.Instance);
    }

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task SendAsync_DeliversOneMessageWithTextAndHtmlAlternatives()
    {
        var message = MailTestData.AddedToOrganization();

        await _sender.DeliverAsync(message);

        var received = await SingleReceivedAsync();
        Assert.Equal(MailTestData.To, Assert.Single(received.ToAddresses).Address);
        Assert.Equal("no-reply@portal.example.test", received.FromAddress.Address);
        var mime = Parse(received);
        MailTestData.AssertTextAndHtmlAlternatives(mime, message);
        Assert.Equal("You were added to Acme Security", mime.Subject);
    }

    [Fact]
    public async Task SendAsync_HostileOrganizationName_IsHtmlEncodedInTheHtmlPart()
    {
        var message = MailTestData.AddedToOrganization($"Acme {MailTestData.HostileOrganization}");

        await _sender.DeliverAsync(message);

        var mime = Parse(await SingleReceivedAsync());
        MailTestData.AssertTextAndHtmlAlternatives(mime, message);
        Assert.Contains("Acme &lt;script&gt;alert(1)&lt;/script&gt;", mime.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", mime.HtmlBody, StringComparison.OrdinalIgnoreCase);
        // Plain text is not markup: the name is shown as typed.
        Assert.Contains(MailTestData.HostileOrganization, mime.TextBody, StringComparison.Ordinal);
        Assert.Equal($"You were added to Acme {MailTestData.HostileOrganization}", mime.Subject);
    }

    [Fact]
    public async Task SendAsync_LinkWithAmpersand_IsAttributeEncodedInHtmlAndVerbatimInText()
    {
        var link = new Uri("https://portal.example.test/activate?invitation=abc&code=123");
        var message = EmailTemplates.Notice(MailTestData.To, "Activate your account", ["Welcome."], ("Activate", link));

        await _sender.DeliverAsync(message);

        var mime = Parse(await SingleReceivedAsync());
        Assert.Contains("https://portal.example.test/activate?invitation=abc&code=123", mime.TextBody, StringComparison.Ordinal);
        Assert.Contains("href=\"https://portal.example.test/activate?invitation=abc&amp;code=123\"", mime.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ServerNotListening_Throws()
    {
        var options = new MailOptions
        {
            Delivery = MailDelivery.Smtp,
            Smtp = { Host = "127.0.0.1", Port = KeyPortal.TestSupport.Mailbox.FreeLoopbackPort(), Security = SmtpSecurity.None, TimeoutSeconds = 5 },
        };
        var sender = new SmtpEmailSender(Options.Create(options), NullLogger<SmtpEmailSender>.Instance);

        await Assert.ThrowsAsync<SocketException>(() => sender.DeliverAsync(MailTestData.AddedToOrganization()));
    }

    private static MimeMessage Parse(SmtpMessage received) =>
        MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(received.Data)));

    /// <summary>The server stores a message on its own thread; wait briefly for it, then require exactly one.</summary>
    private async Task<SmtpMessage> SingleReceivedAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_server.ReceivedEmailCount == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        return Assert.Single(_server.ReceivedEmail);
    }
}
