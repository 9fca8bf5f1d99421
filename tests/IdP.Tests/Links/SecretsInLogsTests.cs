using System.Text.RegularExpressions;
using KeyPortal.IdP.Tests.Support;
using KeyPortal.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.IdP.Tests.Links;

/// <summary>Link tokens and one-time codes go to the person's mailbox and nowhere else: not into any log line, not into subjects.</summary>
[Collection(SharedIdp.Name)]
public sealed partial class SecretsInLogsTests(IdpHost host)
{
    [Fact]
    public async Task Over_SMTP_no_log_line_holds_a_link_token_or_a_code()
    {
        var invitee = await host.InviteNewPersonAsync();
        using var browser = new LinkBrowser(host);
        var code = await host.RequestCodeAsync(browser, invitee.Email, invitee.Link);
        await browser.SubmitAsync("Code", new Dictionary<string, string> { ["Code"] = code });

        var token = invitee.Link.AbsolutePath.Split('/')[^1];
        Assert.NotEmpty(host.Logs.Lines);
        Assert.Contains(host.Logs.Lines, line => line.Contains("sent via", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, line => line.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, line => SixDigits().Matches(line).Any(m => m.Value == code));
        Assert.DoesNotContain(host.Mailbox.All, mail => mail.Subject.Contains(code, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"(?<!\d)\d{6}(?!\d)")]
    private static partial Regex SixDigits();
}

/// <summary>The development file delivery logs where it wrote a message, never what it holds.</summary>
public sealed class FileDeliveryLogTests
{
    [Fact]
    public async Task Writing_an_email_file_logs_no_link_token_or_code()
    {
        await using var host = await IdpHost.StartAsync(o => o.DeliverMailToFiles());
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var sender = scope.ServiceProvider.GetRequiredService<Core.Mail.IEmailSender>();
            await sender.SendAsync(Core.Mail.EmailTemplates.ActivationCode("someone@contoso.example", "493817", DateTimeOffset.UtcNow.AddMinutes(10)));
            await sender.SendAsync(Core.Mail.EmailTemplates.ActivationInvitation("someone@contoso.example", "Contoso", DateTimeOffset.UtcNow.AddDays(7),
                new Uri("http://localhost/activate/SECRET-LINK-TOKEN-1234567890")));
        }

        // The outbox's sender writes the files.
        await Eventually.HoldsAsync(() => host.Logs.Lines.Count(line => line.Contains("written to", StringComparison.Ordinal)) == 2, "both emails are written");
        Assert.Equal(2, Directory.GetFiles(host.MailDirectory, "*.eml").Length);
        Assert.DoesNotContain(host.Logs.Lines, line => line.Contains("SECRET-LINK-TOKEN", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, line => line.Contains("493817", StringComparison.Ordinal));
    }
}
