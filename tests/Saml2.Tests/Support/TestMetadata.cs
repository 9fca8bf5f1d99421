using System.Security;

namespace KeyPortal.Saml2.Tests.Support;

/// <summary>Identity provider metadata as identity providers publish it.</summary>
internal static class TestMetadata
{
    public const string Md = "urn:oasis:names:tc:SAML:2.0:metadata";
    public const string EntityId = "https://idp.example.org/saml/metadata";
    public const string SsoRedirect = "https://idp.example.org/saml/sso/redirect";
    public const string SsoPost = "https://idp.example.org/saml/sso/post";
    public const string SloRedirect = "https://idp.example.org/saml/slo";

    public static string Certificate(X509Certificate2 certificate) => Convert.ToBase64String(certificate.RawData);

    public static string KeyDescriptor(X509Certificate2 certificate, string? use = "signing")
    {
        var useAttribute = use is null ? string.Empty : $" use=\"{use}\"";
        return $"""
            <md:KeyDescriptor{useAttribute}>
              <ds:KeyInfo><ds:X509Data><ds:X509Certificate>
                {Certificate(certificate)}
              </ds:X509Certificate></ds:X509Data></ds:KeyInfo>
            </md:KeyDescriptor>
            """;
    }

    public static string EntityDescriptor(
        string entityId = EntityId,
        string? keyDescriptors = null,
        string? validUntil = null,
        bool includeRedirectSso = true,
        string id = "_metadata1")
    {
        var validUntilAttribute = validUntil is null ? string.Empty : $" validUntil=\"{validUntil}\"";
        var redirect = includeRedirectSso
            ? $"""<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{SsoRedirect}"/>"""
            : string.Empty;
        return $"""
            <md:EntityDescriptor xmlns:md="{Md}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ID="{id}" entityID="{SecurityElement.Escape(entityId)}"{validUntilAttribute}>
              <md:IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol urn:oasis:names:tc:SAML:2.0:protocol">
                {keyDescriptors ?? KeyDescriptor(TestCertificates.IdentityProvider)}
                <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.org/saml/slo/post"/>
                <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{SloRedirect}"/>
                <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
                <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{SsoPost}"/>
                {redirect}
              </md:IDPSSODescriptor>
            </md:EntityDescriptor>
            """;
    }

    public static MetadataReadOptions Options(string? entityId = null, X509Certificate2? signingCertificate = null) => new()
    {
        EntityId = entityId,
        MetadataSigningCertificate = signingCertificate,
        TimeProvider = TestResponses.Clock(),
    };
}
