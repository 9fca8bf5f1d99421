using System.Net;
using System.Text;

namespace KeyPortal.Core.Mail;

/// <summary>
/// Every email the product sends, built in one place so wording and look stay consistent.
/// Values are HTML-encoded into the HTML body; links are absolute.
/// </summary>
public static class EmailTemplates
{
    public const string ProductName = "Key Portal";

    /// <summary>An existing account was added to another organization: no activation needed.</summary>
    public static EmailMessage AddedToOrganization(string to, string organizationName, string roles, Uri signInLink) =>
        Build(
            to,
            $"You were added to {organizationName}",
            [
                $"You now have access to {organizationName} in the {ProductName} with the role {roles}.",
                "Sign in with your existing passkey; you do not need to activate anything.",
            ],
            ("Open the portal", signInLink));

    /// <summary>A plain notice with one optional action.</summary>
    public static EmailMessage Notice(string to, string subject, IReadOnlyList<string> paragraphs, (string Label, Uri Link)? action = null) =>
        Build(to, subject, paragraphs, action);

    private static EmailMessage Build(string to, string subject, IReadOnlyList<string> paragraphs, (string Label, Uri Link)? action)
    {
        var text = new StringBuilder();
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;color:#1b1f24;max-width:560px\">");
        html.Append("<p style=\"font-weight:600;color:#0b5cad\">").Append(ProductName).Append("</p>");
        foreach (var paragraph in paragraphs)
        {
            text.AppendLine(paragraph).AppendLine();
            html.Append("<p>").Append(WebUtility.HtmlEncode(paragraph)).Append("</p>");
        }

        var links = new List<Uri>();
        if (action is { } a)
        {
            links.Add(a.Link);
            text.Append(a.Label).Append(": ").AppendLine(a.Link.AbsoluteUri).AppendLine();
            html.Append("<p><a href=\"").Append(WebUtility.HtmlEncode(a.Link.AbsoluteUri))
                .Append("\" style=\"background:#0b5cad;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none\">")
                .Append(WebUtility.HtmlEncode(a.Label)).Append("</a></p>");
        }

        text.Append("If you did not expect this message, you can ignore it.");
        html.Append("<p style=\"color:#57606a;font-size:13px\">If you did not expect this message, you can ignore it.</p></body></html>");
        return new EmailMessage(to, subject, text.ToString(), html.ToString(), links);
    }
}
