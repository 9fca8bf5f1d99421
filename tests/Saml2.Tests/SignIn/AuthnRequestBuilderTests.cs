using System.IO.Compression;
using System.Text;
using KeyPortal.Saml2.Tests.Support;

namespace KeyPortal.Saml2.Tests.SignIn;

public sealed class AuthnRequestBuilderTests
{
    private const string Protocol = "urn:oasis:names:tc:SAML:2.0:protocol";
    private const string Assertion = "urn:oasis:names:tc:SAML:2.0:assertion";
    private static readonly Uri IdpSso = new("https://idp.example.org/saml/sso/redirect");

    private static readonly ServiceProviderDescription Sp = new(
        "https://portal.example.com/saml",
        new Uri("https://portal.example.com/saml/acs"),
        TestCertificates.ServiceProvider,
        null,
        [NameIdFormats.EmailAddress],
        WantAssertionsSigned: true,
        AuthnRequestsSigned: true);

    [Fact]
    public void RedirectUrl_InflatesToTheRequest()
    {
        var message = AuthnRequestBuilder.Create(Sp, IdpSso, "rs-1", null, TestResponses.Clock(), NameIdFormats.EmailAddress, forceAuthn: true);

        var request = Inflate(Query(message.RedirectUrl)["SAMLRequest"]);

        Assert.Equal("AuthnRequest", request.LocalName);
        Assert.Equal(Protocol, request.NamespaceURI);
        Assert.Equal(message.Id, request.GetAttribute("ID"));
        Assert.Equal("2.0", request.GetAttribute("Version"));
        Assert.Equal("2030-01-15T12:00:00Z", request.GetAttribute("IssueInstant"));
        Assert.Equal(IdpSso.AbsoluteUri, request.GetAttribute("Destination"));
        Assert.Equal("https://portal.example.com/saml/acs", request.GetAttribute("AssertionConsumerServiceURL"));
        Assert.Equal("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", request.GetAttribute("ProtocolBinding"));
        Assert.Equal("true", request.GetAttribute("ForceAuthn"));
        Assert.Equal("https://portal.example.com/saml", request.GetElementsByTagName("Issuer", Assertion)[0]!.InnerText);
        var policy = (XmlElement)request.GetElementsByTagName("NameIDPolicy", Protocol)[0]!;
        Assert.Equal(NameIdFormats.EmailAddress, policy.GetAttribute("Format"));
        Assert.Equal("true", policy.GetAttribute("AllowCreate"));
        Assert.Equal("rs-1", Uri.UnescapeDataString(Query(message.RedirectUrl)["RelayState"]));
    }

    [Fact]
    public void Id_IsAnUnderscoreAnd32RandomHexDigits()
    {
        var first = AuthnRequestBuilder.Create(Sp, IdpSso, null, null, TestResponses.Clock());
        var second = AuthnRequestBuilder.Create(Sp, IdpSso, null, null, TestResponses.Clock());

        Assert.Matches("^_[0-9a-f]{32}$", first.Id);
        Assert.NotEqual(first.Id, second.Id);
    }

    [Fact]
    public void Signed_QueryVerifiesWithTheServiceProvidersPublicKey_OverRsaSha256()
    {
        using var key = TestCertificates.ServiceProvider.GetRSAPrivateKey()!;
        var message = AuthnRequestBuilder.Create(Sp, IdpSso, "https://portal.example.com/after?x=1&y=2", key, TestResponses.Clock());

        // SAML bindings §3.4.4.1: verify over the raw query as received, values still URL-encoded.
        var raw = message.RedirectUrl.AbsoluteUri[(message.RedirectUrl.AbsoluteUri.IndexOf('?', StringComparison.Ordinal) + 1)..];
        var signedPart = raw[..raw.IndexOf("&Signature=", StringComparison.Ordinal)];
        var query = Query(message.RedirectUrl);
        Assert.StartsWith("SAMLRequest=", signedPart, StringComparison.Ordinal);
        Assert.Contains("&RelayState=", signedPart, StringComparison.Ordinal);
        Assert.EndsWith("&SigAlg=" + Uri.EscapeDataString("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"), signedPart, StringComparison.Ordinal);
        Assert.Equal("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", Uri.UnescapeDataString(query["SigAlg"]));

        var signature = Convert.FromBase64String(Uri.UnescapeDataString(query["Signature"]));
        using var publicKey = TestCertificates.PublicOnly(TestCertificates.ServiceProvider).GetRSAPublicKey()!;
        Assert.True(publicKey.VerifyData(Encoding.UTF8.GetBytes(signedPart), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        var tampered = signedPart.Replace("RelayState=", "RelayState=x", StringComparison.Ordinal);
        Assert.False(publicKey.VerifyData(Encoding.UTF8.GetBytes(tampered), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Unsigned_HasNoSignatureParameters()
    {
        var query = Query(AuthnRequestBuilder.Create(Sp, IdpSso, null, null, TestResponses.Clock()).RedirectUrl);

        Assert.True(query.ContainsKey("SAMLRequest"));
        Assert.False(query.ContainsKey("SigAlg"));
        Assert.False(query.ContainsKey("Signature"));
        Assert.False(query.ContainsKey("RelayState"));
    }

    [Fact]
    public void IdentityProvidersOwnQuery_IsKept()
    {
        using var key = TestCertificates.ServiceProvider.GetRSAPrivateKey()!;
        var message = AuthnRequestBuilder.Create(Sp, new Uri("https://idp.example.org/sso?tenant=acme&x=%2F"), "rs", key, TestResponses.Clock());

        Assert.StartsWith("https://idp.example.org/sso?tenant=acme&x=%2F&SAMLRequest=", message.RedirectUrl.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal(IdpSsoWithQuery(), Inflate(Query(message.RedirectUrl)["SAMLRequest"]).GetAttribute("Destination"));
    }

    [Fact]
    public void RelayStateLongerThan80Bytes_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => AuthnRequestBuilder.Create(Sp, IdpSso, new string('r', 81), null, TestResponses.Clock()));
    }

    private static string IdpSsoWithQuery() => "https://idp.example.org/sso?tenant=acme&x=%2F";

    private static Dictionary<string, string> Query(Uri url) =>
        url.AbsoluteUri[(url.AbsoluteUri.IndexOf('?', StringComparison.Ordinal) + 1)..]
            .Split('&')
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);

    private static XmlElement Inflate(string encodedValue)
    {
        using var inflated = new DeflateStream(new MemoryStream(Convert.FromBase64String(Uri.UnescapeDataString(encodedValue))), CompressionMode.Decompress);
        var document = new XmlDocument { XmlResolver = null };
        using var reader = XmlReader.Create(inflated, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
        document.Load(reader);
        return document.DocumentElement!;
    }
}
