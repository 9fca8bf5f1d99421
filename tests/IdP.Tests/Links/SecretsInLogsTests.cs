using System.Text.RegularExpressions;
using KeyPortal.IdP.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Links;

/// <summary>Link tokens and one-time codes go to the person's mailbox and nowhere else: not into any log line, not into subjects.</summary>
public sealed partial class SecretsInLogsTests(LinkFactory factory) : IClassFixture<LinkFactory>
{
    [Fact]
    public async Task Over_SMTP_no_log_line_holds_a_link_token_or_a_code()
    {
        var invitee = await factory.InviteNewPersonAsync();
        using var browser = new LinkBrowser(factory);
        var code = await factory.RequestCodeAsync(browser, invitee.Email, invitee.Link);
        await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = code });

        var token = invitee.Link.AbsolutePath.Split('/')[^1];
        Assert.NotEmpty(factory.Logs.Lines);
        Assert.Contains(factory.Logs.Lines, line => line.Contains("sent via", StringComparison.Ordinal));
        Assert.DoesNotContain(factory.Logs.Lines, line => line.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(factory.Logs.Lines, line => SixDigits().Matches(line).Any(m => m.Value == code));
        Assert.DoesNotContain(factory.Mailbox.All, mail => mail.Subject.Contains(code, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"(?<!\d)\d{6}(?!\d)")]
    private static partial Regex SixDigits();
}

/// <summary>The development file delivery logs where it wrote a message, never what it holds.</summary>
public sealed partial class FileDeliveryLogTests(IdpFactory factory) : IClassFixture<IdpFactory>
{
    [Fact]
    public async Task Writing_an_email_file_logs_no_link_token_or_code()
    {
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var sender = scope.ServiceProvider.GetRequiredService<Core.Mail.IEmailSender>();
            await sender.SendAsync(Core.Mail.EmailTemplates.ActivationCode("someone@contoso.example", "493817", DateTimeOffset.UtcNow.AddMinutes(10)));
            await sender.SendAsync(Core.Mail.EmailTemplates.ActivationInvitation("someone@contoso.example", "Contoso", DateTimeOffset.UtcNow.AddDays(7),
                new Uri("http://localhost/activate/SECRET-LINK-TOKEN-1234567890")));
        }

        Assert.Equal(2, Directory.GetFiles(factory.MailDirectory, "*.eml").Length);
        Assert.Contains(factory.Logs.Lines, line => line.Contains("written to", StringComparison.Ordinal));
        Assert.DoesNotContain(factory.Logs.Lines, line => line.Contains("SECRET-LINK-TOKEN", StringComparison.Ordinal));
        Assert.DoesNotContain(factory.Logs.Lines, line => line.Contains("493817", StringComparison.Ordinal));
    }
}
