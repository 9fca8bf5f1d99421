namespace KeyPortal.Saml2;

/// <summary>The namespace and identifier URIs of SAML 2.0, XML-DSig and XML Encryption that this library reads and writes.</summary>
internal static class SamlNames
{
    public const string Protocol = "urn:oasis:names:tc:SAML:2.0:protocol";
    public const string Assertion = "urn:oasis:names:tc:SAML:2.0:assertion";
    public const string Metadata = "urn:oasis:names:tc:SAML:2.0:metadata";
    public const string XmlDsig = "http://www.w3.org/2000/09/xmldsig#";
    public const string XmlEnc = "http://www.w3.org/2001/04/xmlenc#";
    public const string XmlEnc11 = "http://www.w3.org/2009/xmlenc11#";

    public const string Version = "2.0";

    public const string HttpPostBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
    public const string HttpRedirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

    public const string StatusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success";
    public const string BearerConfirmation = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
    public const string EntityNameIdFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
}
