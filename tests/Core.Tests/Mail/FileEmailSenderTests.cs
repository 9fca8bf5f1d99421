using KeyPortal.Core.Mail;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;

namespace KeyPortal.Core.Tests.Mail;

public sealed class FileEmailSenderTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "keyportal-tests", $"mail-{Guid.NewGuid():N}");
    private readonly FakeTimeProvider _clock = TestClock.Create();
    private readonly FileEmailSender _sender;

    public FileEmailSenderTests()
    {
        var options = new MailOptions { Delivery = MailDelivery.Files, From = MailTestData.From, Directory = _directory };
        _sender = new FileEmailSender(Options.Create(options), _clock, NullLogger<FileEmailSender>.Instance);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task SendAsync_WritesOneEmlFileThatParsesBackToTheMessage()
    {
        var message = MailTestData.AddedToOrganization($"Acme {MailTestData.HostileOrganization}");

        await _sender.DeliverAsync(message);

        var file = Assert.Single(Directory.GetFiles(_directory));
        Assert.Equal(".eml", Path.GetExtension(file));
        Assert.StartsWith("20260302-093000-000-", Path.GetFileName(file), StringComparison.Ordinal);
        var mime = await MimeMessage.LoadAsync(file);
        MailTestData.AssertTextAndHtmlAlternatives(mime, message);
        Assert.DoesNotContain("<script", mime.HtmlBody, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SendAsync_TwoMessagesInTheSameMillisecond_GetTwoFiles()
    {
        await _sender.DeliverAsync(MailTestData.AddedToOrganization("First"));
        await _sender.DeliverAsync(MailTestData.AddedToOrganization("Second"));

        var subjects = new List<string>();
        foreach (var file in Directory.GetFiles(_directory))
        {
            subjects.Add((await MimeMessage.LoadAsync(file)).Subject ?? "");
        }

        Assert.Equal(new[] { "You were added to First", "You were added to Second" }, subjects.Order());
    }
}
