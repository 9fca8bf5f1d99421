namespace KeyPortal.Saml2;

/// <summary>The name identifier formats of SAML core §8.3 that a service provider asks for.</summary>
public static class NameIdFormats
{
    public const string EmailAddress = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
    public const string Persistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    public const string Unspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
    public const string Transient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
}
