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
                "Sign in through your organization's identity provider; you do not need to activate anything.",
            ],
            ("Open the portal", signInLink));

    /// <summary>An existing account was invited to join an organization: it accepts while signed in.</summary>
    public static EmailMessage MembershipInvitation(string to, string organizationName, string roles, DateTimeOffset expiresAt, Uri invitationsPage) =>
        Build(
            to,
            $"You are invited to join {organizationName}",
            [
                $"You were invited to join {organizationName} in the {ProductName} with the role {roles}.",
                "Sign in with your existing passkey and accept the invitation. Until you accept, nothing changes for your account.",
                $"The invitation expires on {Format(expiresAt)}. If you did not expect it, decline it or ignore this email.",
            ],
            ("Review the invitation", invitationsPage));

    /// <summary>SPEC Suspended: every Owner of the suspended user's organizations is told, and whom to ask.</summary>
    public static EmailMessage MemberSuspended(string to, string memberEmail, string organizationName) =>
        Build(
            to,
            $"{memberEmail} was suspended in {organizationName}",
            [
                $"The {ProductName} account of {memberEmail}, a member of {organizationName}, was suspended by the vendor's operators. They cannot sign in, and their sessions and tokens were ended.",
                "Their membership and roles are kept. Only the vendor's support can lift the suspension: contact them if you need it lifted.",
            ],
            null);

    /// <summary>A new person was invited: the single-use activation link.</summary>
    public static EmailMessage ActivationInvitation(string to, string organizationName, DateTimeOffset expiresAt, Uri activationLink) =>
        Build(
            to,
            $"Activate your access to {organizationName}",
            [
                $"You were invited to {organizationName} in the {ProductName}.",
                "Open the link below to activate your account. We will email you a one-time code to confirm it is you, then you register your security key.",
                $"The link works once and expires on {Format(expiresAt)}.",
            ],
            ("Activate your account", activationLink));

    /// <summary>The one-time code for an activation or account reset.</summary>
    public static EmailMessage ActivationCode(string to, string code, DateTimeOffset expiresAt) =>
        Build(
            to,
            // Never the code in the subject: subjects show on lock screens and in server logs.
            $"Your {ProductName} one-time code",
            [
                $"Your one-time code is {code}.",
                $"Enter it on the page where you requested it. It expires on {Format(expiresAt)}.",
                "Never share this code. Our staff will never ask you for it.",
            ],
            null);

    /// <summary>An Owner or operator reset the account: the link to start the reset.</summary>
    public static EmailMessage AccountReset(string to, DateTimeOffset expiresAt, Uri resetLink) =>
        Build(
            to,
            $"Your {ProductName} account was reset",
            [
                $"Your {ProductName} account was reset: your security keys and password no longer work, and you were signed out everywhere.",
                "Open the link below and request a one-time code. After you confirm it, we will email you a link to register a new security key.",
                $"The link works once and expires on {Format(expiresAt)}.",
            ],
            ("Reset your account", resetLink));

    /// <summary>Second email of an account reset: the link to register a new passkey.</summary>
    public static EmailMessage ResetActivation(string to, DateTimeOffset expiresAt, Uri activationLink) =>
        Build(
            to,
            $"Register your new security key for the {ProductName}",
            [
                "You confirmed your code. Open the link below to register a new security key for your account.",
                $"The link works once and expires on {Format(expiresAt)}.",
            ],
            ("Register a security key", activationLink));

    /// <summary>An Owner sent a password reset: the single-use link to set a new password.</summary>
    public static EmailMessage PasswordReset(string to, DateTimeOffset expiresAt, Uri resetLink) =>
        Build(
            to,
            $"Set a new password for the {ProductName}",
            [
                "An Owner of your organization sent you a link to set a new password.",
                $"The link works once and expires on {Format(expiresAt)}. Consider registering a security key instead: it replaces your password.",
            ],
            ("Set a new password", resetLink));

    /// <summary>A plain notice with one optional action.</summary>
    public static EmailMessage Notice(string to, string subject, IReadOnlyList<string> paragraphs, (string Label, Uri Link)? action = null) =>
        Build(to, subject, paragraphs, action);

    private static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

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
