using System.Net;
using System.Text.RegularExpressions;
using Xunit;

namespace KeyPortal.TestSupport;

/// <summary>One HTML form as a browser submits it: where it posts, and its inputs' names and values.</summary>
public sealed record HtmlForm(string Action, Dictionary<string, string> Inputs);

/// <summary>Reads the forms of a page (ours or a customer's identity provider's) the way a browser fills them in.</summary>
public static partial class HtmlForms
{
    public static List<HtmlForm> Parse(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var forms = new List<HtmlForm>();
        foreach (Match form in FormPattern().Matches(html))
        {
            var action = WebUtility.HtmlDecode(AttributeOf(form.Groups["open"].Value, "action") ?? "");
            var inputs = new Dictionary<string, string>();
            foreach (Match input in InputPattern().Matches(form.Groups["body"].Value))
            {
                if (AttributeOf(input.Value, "name") is { } name)
                {
                    inputs[WebUtility.HtmlDecode(name)] = WebUtility.HtmlDecode(AttributeOf(input.Value, "value") ?? "");
                }
            }

            forms.Add(new HtmlForm(action, inputs));
        }

        return forms;
    }

    /// <summary>The anti-forgery token of the page's form (it fails the test when the page has none).</summary>
    public static string AntiforgeryToken(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var match = AntiforgeryPattern().Match(html);
        Assert.True(match.Success, "The page has no anti-forgery token.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>Base64url without padding (RFC 4648 §5), as PKCE and JOSE write it.</summary>
    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? AttributeOf(string tag, string name)
    {
        var match = Regex.Match(tag, $"\\s{name}\\s*=\\s*(\"(?<v>[^\"]*)\"|'(?<v>[^']*)')", RegexOptions.IgnoreCase);
        return match.Success ? match.Groups["v"].Value : null;
    }

    [GeneratedRegex("(?<open><form\\b[^>]*>)(?<body>.*?)</form>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex FormPattern();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryPattern();

    [GeneratedRegex("<input\\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InputPattern();
}
