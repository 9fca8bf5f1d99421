using System.Security;
using System.Text;

namespace KeyPortal.Saml2.Tests.Support;

/// <summary>
/// Makes a real Response as an identity provider would (signed with a throwaway certificate), which a test then
/// changes in one way. Defaults describe a valid SP-initiated sign-in at <see cref="Now"/>.
/// </summary>
internal sealed class SamlResponseBuilder
{
    public static readonly DateTimeOffset Now = new(2030, 1, 15, 12, 0, 0, TimeSpan.Zero);
    public const string IdentityProviderEntityId = "https://idp.example.org/saml/metadata";
    public const string ServiceProviderEntityId = "https://portal.example.com/saml";
    public static readonly Uri AssertionConsumerService = new("https://portal.example.com/saml/acs");
    public const string RequestId = "_4f1e0b3a9c2d47e8b6a5c4d3e2f10987";

    public const string Protocol = "urn:oasis:names:tc:SAML:2.0:protocol";
    public const string Assertion = "urn:oasis:names:tc:SAML:2.0:assertion";
    public const string Dsig = "http://www.w3.org/2000/09/xmldsig#";

    public string ResponseId { get; set; } = "_r" + Guid.NewGuid().ToString("N");
    public string AssertionId { get; set; } = "_a" + Guid.NewGuid().ToString("N");
    public string? ResponseIssuer { get; set; } = IdentityProviderEntityId;
    public string AssertionIssuer { get; set; } = IdentityProviderEntityId;
    public string? Destination { get; set; } = AssertionConsumerService.AbsoluteUri;
    public string Recipient { get; set; } = AssertionConsumerService.AbsoluteUri;
    public string? Audience { get; set; } = ServiceProviderEntityId;
    public string? InResponseTo { get; set; } = RequestId;
    public string? SubjectConfirmationInResponseTo { get; set; } = RequestId;
    public string StatusCode { get; set; } = "urn:oasis:names:tc:SAML:2.0:status:Success";
    public string? SecondLevelStatusCode { get; set; }
    public string NameId { get; set; } = "alice@example.com";
    public string NameIdFormat { get; set; } = NameIdFormats.EmailAddress;
    public DateTimeOffset NotBefore { get; set; } = Now.AddMinutes(-1);
    public DateTimeOffset NotOnOrAfter { get; set; } = Now.AddMinutes(5);
    public DateTimeOffset SubjectConfirmationNotOnOrAfter { get; set; } = Now.AddMinutes(5);
    public bool SignAssertion { get; set; } = true;
    public bool SignResponse { get; set; }
    public X509Certificate2 SigningCertificate { get; set; } = TestCertificates.IdentityProvider;
    public string SignatureMethod { get; set; } = XmlSigning.RsaSha256;
    public string DigestMethod { get; set; } = XmlSigning.Sha256;
    public bool IncludeKeyInfo { get; set; } = true;

    /// <summary>The Response before any signature: for tests that change it and then sign.</summary>
    public XmlDocument BuildUnsigned()
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        document.LoadXml(Xml());
        return document;
    }

    /// <summary>The Response signed as configured: the assertion first, then (if asked) the Response around it.</summary>
    public XmlDocument Build()
    {
        var document = BuildUnsigned();
        if (SignAssertion)
        {
            XmlSigning.Sign(AssertionOf(document), SigningCertificate, SignatureMethod, DigestMethod, IncludeKeyInfo);
        }

        if (SignResponse)
        {
            XmlSigning.Sign(document.DocumentElement!, SigningCertificate, SignatureMethod, DigestMethod, IncludeKeyInfo);
        }

        return document;
    }

    public string BuildEncoded() => Encode(Build());

    public static string Encode(XmlDocument document) => Encode(document.OuterXml);

    public static string Encode(string xml) => Convert.ToBase64String(Encoding.UTF8.GetBytes(xml));

    public static XmlElement AssertionOf(XmlDocument document) =>
        document.DocumentElement!.ChildNodes.OfType<XmlElement>().Single(e => e.LocalName == "Assertion" && e.NamespaceURI == Assertion);

    public static XmlElement Child(XmlElement parent, string localName) =>
        parent.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == localName);

    public static XmlElement NameIdOf(XmlDocument document) => Child(Child(AssertionOf(document), "Subject"), "NameID");

    private string Xml()
    {
        static string E(string value) => SecurityElement.Escape(value);
        static string T(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

        var responseInResponseTo = InResponseTo is null ? string.Empty : $" InResponseTo=\"{E(InResponseTo)}\"";
        var confirmationInResponseTo = SubjectConfirmationInResponseTo is null ? string.Empty : $" InResponseTo=\"{E(SubjectConfirmationInResponseTo)}\"";
        var destination = Destination is null ? string.Empty : $" Destination=\"{E(Destination)}\"";
        var responseIssuer = ResponseIssuer is null ? string.Empty : $"<saml:Issuer>{E(ResponseIssuer)}</saml:Issuer>";
        var secondLevel = SecondLevelStatusCode is null ? string.Empty : $"<samlp:StatusCode Value=\"{E(SecondLevelStatusCode)}\"/>";
        var audience = Audience is null ? string.Empty : $"<saml:AudienceRestriction><saml:Audience>{E(Audience)}</saml:Audience></saml:AudienceRestriction>";

        return $"""
            <samlp:Response xmlns:samlp="{Protocol}" xmlns:saml="{Assertion}" ID="{E(ResponseId)}" Version="2.0" IssueInstant="{T(Now)}"{destination}{responseInResponseTo}>{responseIssuer}
              <samlp:Status><samlp:StatusCode Value="{E(StatusCode)}">{secondLevel}</samlp:StatusCode></samlp:Status>
              <saml:Assertion xmlns:saml="{Assertion}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{E(AssertionId)}" Version="2.0" IssueInstant="{T(Now)}">
                <saml:Issuer>{E(AssertionIssuer)}</saml:Issuer>
                <saml:Subject>
                  <saml:NameID Format="{E(NameIdFormat)}">{E(NameId)}</saml:NameID>
                  <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
                    <saml:SubjectConfirmationData NotOnOrAfter="{T(SubjectConfirmationNotOnOrAfter)}" Recipient="{E(Recipient)}"{confirmationInResponseTo}/>
                  </saml:SubjectConfirmation>
                </saml:Subject>
                <saml:Conditions NotBefore="{T(NotBefore)}" NotOnOrAfter="{T(NotOnOrAfter)}">{audience}</saml:Conditions>
                <saml:AuthnStatement AuthnInstant="{T(Now.AddSeconds(-30))}" SessionIndex="_session-7">
                  <saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>
                </saml:AuthnStatement>
                <saml:AttributeStatement>
                  <saml:Attribute Name="email" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">
                    <saml:AttributeValue xsi:type="xs:string">alice@example.com</saml:AttributeValue>
                  </saml:Attribute>
                  <saml:Attribute Name="groups">
                    <saml:AttributeValue xsi:type="xs:string">admins</saml:AttributeValue>
                    <saml:AttributeValue xsi:type="xs:string">R&amp;D</saml:AttributeValue>
                  </saml:Attribute>
                </saml:AttributeStatement>
              </saml:Assertion>
            </samlp:Response>
            """;
    }
}
