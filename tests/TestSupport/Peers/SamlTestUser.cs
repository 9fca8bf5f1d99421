namespace KeyPortal.TestSupport.Peers;

/// <summary>
/// A person at a customer's SAML identity provider. The NameID the provider asserts is
/// <paramref name="Email"/> (format emailAddress), and the attribute <c>email</c> carries it too;
/// <paramref name="Attributes"/> are asserted as well (name to values).
/// </summary>
public sealed record SamlTestUser(string Username, string Password, string Email, IReadOnlyDictionary<string, string[]>? Attributes = null)
{
    /// <summary>All the user's attributes as the provider asserts them: <c>email</c> and the extra ones.</summary>
    internal Dictionary<string, string[]> AllAttributes()
    {
        var attributes = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (name, values) in Attributes ?? new Dictionary<string, string[]>())
        {
            attributes[name] = values;
        }

        attributes["email"] = [Email];
        return attributes;
    }
}
