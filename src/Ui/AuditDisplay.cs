using System.Globalization;
using System.Text;
using System.Text.Json;

namespace KeyPortal.Ui;

/// <summary>How the Portal's and the console's audit pages write an entry's details.</summary>
public static class AuditDisplay
{
    /// <summary>A details object (JSON) as readable label/value pairs: <c>invitationId</c> becomes "Invitation id".</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> DetailFields(string? details)
    {
        if (string.IsNullOrWhiteSpace(details))
        {
            return [];
        }

        try
        {
            using var json = JsonDocument.Parse(details);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return [new("Details", details)];
            }

            return json.RootElement.EnumerateObject()
                .Select(p => new KeyValuePair<string, string>(Label(p.Name), Value(p.Value)))
                .Where(p => p.Value.Length > 0)
                .ToList();
        }
        catch (JsonException)
        {
            return [new("Details", details)];
        }
    }

    private static string Label(string name)
    {
        var words = new StringBuilder();
        foreach (var c in name.Replace('_', ' '))
        {
            if (char.IsUpper(c) && words.Length > 0 && words[^1] != ' ')
            {
                words.Append(' ');
            }

            words.Append(words.Length == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
        }

        return words.ToString();
    }

    private static string Value(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        // Times are recorded as ISO 8601 with fractions of a second; a reader wants minutes, in UTC like the When column.
        JsonValueKind.String when value.TryGetDateTimeOffset(out var at) =>
            at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Array => string.Join(", ", value.EnumerateArray().Select(Value).Where(v => v.Length > 0)),
        JsonValueKind.Object => string.Join("; ", value.EnumerateObject()
            .Select(p => (Name: Label(p.Name), Value: Value(p.Value))).Where(p => p.Value.Length > 0).Select(p => $"{p.Name}: {p.Value}")),
        _ => value.GetRawText(),
    };
}
