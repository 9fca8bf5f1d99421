using System.Globalization;

namespace KeyPortal.Saml2;

/// <summary>SAML core §1.3.3: times are xs:dateTime in UTC. A value without a zone would be read in the server's zone, so it is refused.</summary>
internal static class SamlTime
{
    public static bool TryParse(string? value, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrEmpty(value) || !HasZone(value))
        {
            return false;
        }

        try
        {
            time = XmlConvert.ToDateTimeOffset(value);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static bool HasZone(string value) =>
        value.EndsWith('Z') || (value.Length > 6 && value[^6] is '+' or '-' && value[^3] == ':');
}
