using KeyPortal.Saml2.Tests.Support;
using static KeyPortal.Saml2.Tests.Support.SamlResponseBuilder;
using static KeyPortal.Saml2.Tests.Support.TestResponses;

namespace KeyPortal.Saml2.Tests.Responses;

/// <summary>
/// XML signature wrapping (Somorovsky et al., "On Breaking SAML", 2012): the signed assertion stays intact somewhere
/// in the document, so its signature verifies, while an evil assertion sits where a careless reader looks.
/// </summary>
public sealed class SignatureWrappingTests
{
    private const string EvilNameId = "admin@example.com";

    [Fact]
    public void SignedAssertionMovedIntoExtensions_EvilAssertionInItsPlace_IsRefused()
    {
        var document = new SamlResponseBuilder().Build();
        var signed = AssertionOf(document);
        var evil = EvilCopyOf(signed);
        signed.ParentNode!.ReplaceChild(evil, signed);
        var extensions = document.CreateElement("samlp", "Extensions", Protocol);
        extensions.AppendChild(signed);
        document.DocumentElement!.InsertAfter(extensions, Child(document.DocumentElement, "Issuer"));

        AssertRefused(SamlRefusal.SignatureWrapping, Validate(document));
    }

    [Fact]
    public void SignedAssertionMovedIntoTheSignaturesObject_EvilAssertionInItsPlace_IsRefused()
    {
        var document = new SamlResponseBuilder().Build();
        var signed = AssertionOf(document);
        var signature = Child(signed, "Signature");
        var evil = EvilCopyOf(signed);
        signed.ParentNode!.ReplaceChild(evil, signed);
        signed.RemoveChild(signature);
        var dsObject = document.CreateElement("ds", "Object", Dsig);
        dsObject.AppendChild(signed);
        signature.AppendChild(dsObject);
        evil.InsertAfter(signature, Child(evil, "Issuer"));

        AssertRefused(SamlRefusal.SignatureWrapping, Validate(document));
    }

    [Fact]
    public void SignedAssertionMovedIntoTheAdviceOfAnEvilAssertion_IsRefused()
    {
        var document = new SamlResponseBuilder().Build();
        var signed = AssertionOf(document);
        var evil = EvilCopyOf(signed);
        signed.ParentNode!.ReplaceChild(evil, signed);
        var advice = document.CreateElement("saml", "Advice", SamlResponseBuilder.Assertion);
        advice.AppendChild(signed);
        evil.InsertAfter(advice, Child(evil, "Conditions"));

        AssertRefused(SamlRefusal.SignatureWrapping, Validate(document));
    }

    [Fact]
    public void SecondUnsignedAssertionBeforeTheSignedOne_IsRefused()
    {
        var document = new SamlResponseBuilder().Build();
        var signed = AssertionOf(document);
        document.DocumentElement!.InsertBefore(EvilCopyOf(signed), signed);

        AssertRefused(SamlRefusal.SignatureWrapping, Validate(document));
    }

    [Fact]
    public void SecondUnsignedAssertionAfterTheSignedOne_IsRefused()
    {
        var document = new SamlResponseBuilder().Build();
        var signed = AssertionOf(document);
        document.DocumentElement!.InsertAfter(EvilCopyOf(signed), signed);

        AssertRefused(SamlRefusal.SignatureWrapping, Validate(document));
    }

    [Fact]
    public void AnotherElementWithTheAssertionsId_IsRefused()
    {
        var builder = new SamlResponseBuilder();
        var document = builder.Build();
        var extensions = document.CreateElement("samlp", "Extensions", Protocol);
        var decoy = document.CreateElement("x", "Decoy", "urn:example:decoy");
        decoy.SetAttribute("ID", builder.AssertionId);
        extensions.AppendChild(decoy);
        document.DocumentElement!.InsertAfter(extensions, Child(document.DocumentElement, "Issuer"));

        AssertRefused(SamlRefusal.DuplicateId, Validate(document));
    }

    [Fact]
    public void ResponseWithTheAssertionsId_IsRefused()
    {
        var builder = new SamlResponseBuilder();
        var document = builder.Build();
        document.DocumentElement!.SetAttribute("ID", builder.AssertionId);

        AssertRefused(SamlRefusal.DuplicateId, Validate(document));
    }

    [Fact]
    public void AnotherElementWithTheAssertionsIdUnderAnotherAttributeName_IsRefused()
    {
        var builder = new SamlResponseBuilder();
        var document = builder.Build();
        var extensions = document.CreateElement("samlp", "Extensions", Protocol);
        var decoy = document.CreateElement("x", "Decoy", "urn:example:decoy");
        decoy.SetAttribute("Id", builder.AssertionId);
        extensions.AppendChild(decoy);
        document.DocumentElement!.InsertAfter(extensions, Child(document.DocumentElement, "Issuer"));

        AssertRefused(SamlRefusal.DuplicateId, Validate(document));
    }

    [Fact]
    public void SignedResponseWrappedInAnEvilResponse_IsRefused()
    {
        var original = new SamlResponseBuilder { SignResponse = true }.Build();
        var evil = new SamlResponseBuilder { SignAssertion = false, NameId = EvilNameId }.BuildUnsigned();
        var extensions = evil.CreateElement("samlp", "Extensions", Protocol);
        extensions.AppendChild(evil.ImportNode(original.DocumentElement!, deep: true));
        evil.DocumentElement!.InsertAfter(extensions, Child(evil.DocumentElement, "Issuer"));

        AssertRefused(SamlRefusal.SignatureWrapping, Validate(evil));
    }

    [Fact]
    public void SignedResponseWrappedInAnEvilResponseWithoutAssertionOfItsOwn_IsRefused()
    {
        var original = new SamlResponseBuilder { SignResponse = true }.Build();
        var evil = new SamlResponseBuilder { SignAssertion = false }.BuildUnsigned();
        evil.DocumentElement!.RemoveChild(AssertionOf(evil));
        var extensions = evil.CreateElement("samlp", "Extensions", Protocol);
        extensions.AppendChild(evil.ImportNode(original.DocumentElement!, deep: true));
        evil.DocumentElement.InsertAfter(extensions, Child(evil.DocumentElement, "Issuer"));

        AssertRefused(SamlRefusal.SignatureWrapping, Validate(evil));
    }

    /// <summary>The assertion an attacker wants accepted: the signed one's content, another subject, no signature.</summary>
    private static XmlElement EvilCopyOf(XmlElement signed)
    {
        var evil = (XmlElement)signed.CloneNode(deep: true);
        evil.RemoveChild(Child(evil, "Signature"));
        evil.SetAttribute("ID", "_evil" + Guid.NewGuid().ToString("N"));
        Child(Child(evil, "Subject"), "NameID").InnerText = EvilNameId;
        return evil;
    }
}
