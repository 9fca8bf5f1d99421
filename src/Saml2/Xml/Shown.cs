using System.Text;

namespace KeyPortal.Saml2;

/// <summary>
/// Message content quoted in a refusal detail. Details end up in logs and in front of administrators, so a value from
/// the message is cut short and stripped of control characters (no forged log lines).
/// </summary>
internal static class Shown
{
    private const int MaxLength = 120;

    public static string Value(string? value)
    {
        if (value is null)
        {
            return "(none)";
        }

        var text = new StringBuilder(Math.Min(value.Length, MaxLength) + 2).Append('"');
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, MaxLength)))
        {
            text.Append(char.IsControl(c) ? '?' : c);
        }

        if (value.Length > MaxLength)
        {
            text.Append('…');
        }

        return text.Append('"').ToString();
    }
}
