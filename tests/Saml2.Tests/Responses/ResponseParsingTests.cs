using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KeyPortal.Saml2.Tests.Support;
using static KeyPortal.Saml2.Tests.Support.SamlResponseBuilder;
using static KeyPortal.Saml2.Tests.Support.TestResponses;

namespace KeyPortal.Saml2.Tests.Responses;

/// <summary>What the validator does with the bytes before any SAML rule: encoding, size, DTDs, shape, text reading.</summary>
public sealed class ResponseParsingTests
{
    [Fact]
    public void CommentInsideNameId_IsRefused_ThoughTheSignatureStillVerifies()
    {
        // Canonicalization drops the comment, so the signature over "alice@x.evil" still verifies; a reader that
        // took the first text node would see "alice@x" (the 2018 Duo Labs finding).
        var document = new SamlResponseBuilder { SignAssertion = false, NameId = "alice@x.evil" }.BuildUnsigned();
        XmlSigning.Sign(AssertionOf(document), TestCertificates.IdentityProvider);
        var nameId = NameIdOf(document);
        nameId.RemoveAll();
        nameId.SetAttribute("Format", NameIdFormats.EmailAddress);
        nameId.AppendChild(document.CreateTextNode("alice@x"));
        nameId.AppendChild(document.CreateComment(string.Empty));
        nameId.AppendChild(document.CreateTextNode(".evil"));
        Assert.Contains("alice@x<!---->.evil", document.OuterXml, StringComparison.Ordinal);

        AssertRefused(SamlRefusal.Malformed, Validate(document));
    }

    [Fact]
    public void DoctypeWithExternalEntity_IsRefused_AndNothingIsFetched()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var xml = new SamlResponseBuilder { NameId = "PLACEHOLDER" }.Build().OuterXml.Replace("PLACEHOLDER", "&xxe;", StringComparison.Ordinal);
        xml = $"<!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM \"http://127.0.0.1:{port}/secret\">]>" + xml;

        var result = Validate(Encode(xml));

        AssertRefused(SamlRefusal.DoctypeNotAllowed, result);
        Thread.Sleep(100);
        Assert.False(listener.Pending(), "The validator connected to the external entity's host.");
    }

    [Fact]
    public void DoctypeWithExternalSubset_IsRefused_AndNothingIsFetched()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var xml = $"<?xml version=\"1.0\"?><!DOCTYPE samlp:Response SYSTEM \"http://127.0.0.1:{port}/saml.dtd\">" + new SamlResponseBuilder().Build().OuterXml;

        var result = Validate(Encode(xml));

        AssertRefused(SamlRefusal.DoctypeNotAllowed, result);
        Thread.Sleep(100);
        Assert.False(listener.Pending(), "The validator connected to the external DTD's host.");
    }

    [Fact]
    public void DoctypeWithInternalEntity_IsRefused()
    {
        var xml = new SamlResponseBuilder { NameId = "PLACEHOLDER" }.Build().OuterXml.Replace("PLACEHOLDER", "&who;", StringComparison.Ordinal);
        xml = "<!DOCTYPE samlp:Response [<!ENTITY who \"admin@example.com\">]>" + xml;

        AssertRefused(SamlRefusal.DoctypeNotAllowed, Validate(Encode(xml)));
    }

    [Fact]
    public void BillionLaughs_IsRefused_AtOnce()
    {
        var entities = new StringBuilder("<!ENTITY lol0 \"lol\">");
        for (var i = 1; i <= 9; i++)
        {
            entities.Append(CultureInfoFree($"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{i - 1};", 10))}\">"));
        }

        var xml = $"<?xml version=\"1.0\"?><!DOCTYPE samlp:Response [{entities}]><samlp:Response xmlns:samlp=\"{Protocol}\">&lol9;</samlp:Response>";
        var stopwatch = Stopwatch.StartNew();

        var result = Validate(Encode(xml));

        stopwatch.Stop();
        AssertRefused(SamlRefusal.DoctypeNotAllowed, result);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"Took {stopwatch.Elapsed}.");
    }

    [Fact]
    public void NotBase64_IsRefused()
    {
        AssertRefused(SamlRefusal.Malformed, Validate("this is not base64!"));
    }

    [Fact]
    public void Empty_IsRefused()
    {
        AssertRefused(SamlRefusal.Malformed, Validate(string.Empty));
    }

    [Fact]
    public void NotXml_IsRefused()
    {
        AssertRefused(SamlRefusal.Malformed, Validate(Encode("<samlp:Response")));
    }

    [Fact]
    public void LargerThanTheLimit_IsRefused()
    {
        AssertRefused(SamlRefusal.TooLarge, Validate(new SamlResponseBuilder().BuildEncoded(), Parameters(maxBytes: 1024)));
    }

    [Fact]
    public void HugeFormField_IsRefused_BeforeDecoding()
    {
        AssertRefused(SamlRefusal.TooLarge, Validate(new string('A', 4 * 1024 * 1024)));
    }

    [Fact]
    public void RootOtherThanResponse_IsRefused()
    {
        var xml = new SamlResponseBuilder().Build().OuterXml
            .Replace("samlp:Response", "samlp:LogoutResponse", StringComparison.Ordinal);

        AssertRefused(SamlRefusal.Malformed, Validate(Encode(xml)));
    }

    [Fact]
    public void DeeplyNestedDocument_IsRefused_WithoutExhaustingTheStack()
    {
        var document = new SamlResponseBuilder().Build();
        var xml = document.OuterXml.Replace(
            "<samlp:Status>",
            $"<samlp:Extensions>{string.Concat(Enumerable.Repeat("<a>", 20_000))}{string.Concat(Enumerable.Repeat("</a>", 20_000))}</samlp:Extensions><samlp:Status>",
            StringComparison.Ordinal);

        var result = Validate(Encode(xml));

        AssertRefused(SamlRefusal.Malformed, result);
        Assert.Contains("nests deeper", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Utf16Document_IsAccepted()
    {
        var xml = "<?xml version=\"1.0\" encoding=\"utf-16\"?>" + new SamlResponseBuilder().Build().OuterXml;
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(xml)).ToArray();

        AssertAccepted(Validate(Convert.ToBase64String(bytes)));
    }

    [Fact]
    public void Base64WithLineBreaks_IsAccepted()
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(new SamlResponseBuilder().Build().OuterXml), Base64FormattingOptions.InsertLineBreaks);

        AssertAccepted(Validate(encoded));
    }

    [Fact]
    public void NameIdInCdata_IsReadWhole()
    {
        var document = new SamlResponseBuilder { SignAssertion = false }.BuildUnsigned();
        var nameId = NameIdOf(document);
        nameId.RemoveChild(nameId.FirstChild!);
        nameId.AppendChild(document.CreateCDataSection("alice@example.com"));
        XmlSigning.Sign(AssertionOf(document), TestCertificates.IdentityProvider);

        Assert.Equal("alice@example.com", AssertAccepted(Validate(document)).NameId);
    }

    [Fact]
    public void AttributeValueSplitByComment_IsReadWhole()
    {
        var document = new SamlResponseBuilder().Build();
        var assertion = AssertionOf(document);
        var value = Child(Child(Child(assertion, "AttributeStatement"), "Attribute"), "AttributeValue");
        var text = (XmlText)value.FirstChild!;
        value.InsertBefore(document.CreateComment(" split "), text.SplitText("alice@".Length));
        Assert.Contains("alice@<!-- split -->example.com", document.OuterXml, StringComparison.Ordinal);

        Assert.Equal(["alice@example.com"], AssertAccepted(Validate(document)).Attributes["email"]);
    }

    private static string CultureInfoFree(FormattableString text) => FormattableString.Invariant(text);
}
