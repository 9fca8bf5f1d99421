using KeyPortal.Core.Mail;
using MimeKit;

namespace KeyPortal.Core.Tests.Mail;

/// <summary>Message and option builders shared by the sender tests.</summary>
internal static class MailTestData
{
    public const string From = "Key Portal <no-reply@portal.example.test>";
    public const string To = "ann@example.com";
    public const string HostileOrganization = "<script>alert(1)</script>";
    public static readonly Uri SignInLink = new("https://portal.example.test/o/acme/sign-in?welcome=1");

    public static EmailMessage AddedToOrganization(string organizationName = "Acme Security") =>
        EmailTemplates.AddedToOrganization(To, organizationName, "Admin", SignInLink);

    /// <summary>Asserts the MIME shape every sender must produce: one text and one HTML alternative.</summary>
    public static void AssertTextAndHtmlAlternatives(MimeMessage mime, EmailMessage sent)
    {
        Assert.Equal(To, Assert.Single(mime.To.Mailboxes).Address);
        var from = Assert.Single(mime.From.Mailboxes);
        Assert.Equal("no-reply@portal.example.test", from.Address);
        Assert.Equal("Key Portal", from.Name);
        Assert.Equal(sent.Subject, mime.Subject);

        var alternative = Assert.IsType<MultipartAlternative>(mime.Body);
        var parts = alternative.OfType<TextPart>().ToList();
        Assert.Equal(new[] { "text/plain", "text/html" }, parts.Select(p => p.ContentType.MimeType));
        Assert.Equal(2, alternative.Count);
        Assert.Equal(Normalize(sent.TextBody), Normalize(mime.TextBody));
        Assert.Equal(Normalize(sent.HtmlBody), Normalize(mime.HtmlBody));
        Assert.Contains(SignInLink.AbsoluteUri, mime.TextBody, StringComparison.Ordinal);
        Assert.Contains($"href=\"{SignInLink.AbsoluteUri}\"", mime.HtmlBody, StringComparison.Ordinal);
    }

    /// <summary>Transfer encodings may change line endings and add a final one; the content must not change.</summary>
    public static string Normalize(string? text) => (text ?? "").ReplaceLineEndings("\n").TrimEnd('\n');
}
