using KeyPortal.Saml2.Tests.Support;
using static KeyPortal.Saml2.Tests.Support.TestResponses;

namespace KeyPortal.Saml2.Tests.Responses;

/// <summary>Which signatures make a Response acceptable, and with which keys and algorithms.</summary>
public sealed class ResponseSignatureTests
{
    [Fact]
    public void SignedAssertion_IsAccepted_AndReadFromTheSignedElement()
    {
        var builder = new SamlResponseBuilder();

        var assertion = AssertAccepted(Validate(builder.BuildEncoded()));

        Assert.Equal(builder.AssertionId, assertion.AssertionId);
        Assert.Equal(SamlResponseBuilder.IdentityProviderEntityId, assertion.Issuer);
        Assert.Equal("alice@example.com", assertion.NameId);
        Assert.Equal(NameIdFormats.EmailAddress, assertion.NameIdFormat);
        Assert.Equal("_session-7", assertion.SessionIndex);
        Assert.Equal(SamlResponseBuilder.RequestId, assertion.InResponseTo);
        Assert.Equal(SamlResponseBuilder.Now.AddMinutes(5), assertion.NotOnOrAfter);
        Assert.Equal(SamlResponseBuilder.Now.AddMinutes(5), assertion.SubjectConfirmationNotOnOrAfter);
        Assert.Equal(SamlResponseBuilder.Now.AddSeconds(-30), assertion.AuthnInstant);
        Assert.Equal(["alice@example.com"], assertion.Attributes["email"]);
        Assert.Equal(["admins", "R&D"], assertion.Attributes["groups"]);
        Assert.Equal(SamlResponseBuilder.Now.AddMinutes(7), assertion.KeepInReplayCacheUntil(TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void SignedResponseAroundUnsignedAssertion_IsAccepted_WhenSignedAssertionIsNotRequired()
    {
        var builder = new SamlResponseBuilder { SignAssertion = false, SignResponse = true };

        AssertAccepted(Validate(builder.BuildEncoded(), Parameters(requireSignedAssertion: false)));
    }

    [Fact]
    public void SignedResponseAroundUnsignedAssertion_IsRefused_WhenSignedAssertionIsRequired()
    {
        var builder = new SamlResponseBuilder { SignAssertion = false, SignResponse = true };

        AssertRefused(SamlRefusal.MissingSignature, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void ResponseAndAssertionBothSigned_IsAccepted()
    {
        var builder = new SamlResponseBuilder { SignResponse = true };

        AssertAccepted(Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void ResponseAndAssertionBothSigned_ResponseChangedAfterSigning_IsRefused()
    {
        var document = new SamlResponseBuilder { SignResponse = true }.Build();
        document.DocumentElement!.SetAttribute("IssueInstant", "2030-01-15T11:59:00Z");

        AssertRefused(SamlRefusal.InvalidSignature, Validate(document));
    }

    [Fact]
    public void Unsigned_IsRefused()
    {
        var builder = new SamlResponseBuilder { SignAssertion = false };

        AssertRefused(SamlRefusal.MissingSignature, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void Unsigned_IsRefused_EvenWhenSignedAssertionIsNotRequired()
    {
        var builder = new SamlResponseBuilder { SignAssertion = false };

        AssertRefused(SamlRefusal.MissingSignature, Validate(builder.BuildEncoded(), Parameters(requireSignedAssertion: false)));
    }

    [Fact]
    public void SignedByAnotherKey_WithoutKeyInfo_IsRefused()
    {
        var builder = new SamlResponseBuilder { SigningCertificate = TestCertificates.Attacker, IncludeKeyInfo = false };

        AssertRefused(SamlRefusal.InvalidSignature, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void SignedByAttackerKey_WhoseCertificateIsInKeyInfo_IsRefused_AsUntrustedKey()
    {
        // The attacker's certificate has the identity provider's subject name and travels in KeyInfo: a validator
        // that took the key from the message would accept this.
        var builder = new SamlResponseBuilder { SigningCertificate = TestCertificates.Attacker, IncludeKeyInfo = true };

        AssertRefused(SamlRefusal.UntrustedKey, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void SignedByTheNextKey_IsAccepted_WhenBothKeysAreConfigured()
    {
        var builder = new SamlResponseBuilder { SigningCertificate = TestCertificates.RolledOver };
        var certificates = new[] { TestCertificates.IdentityProvider, TestCertificates.RolledOver }.Select(TestCertificates.PublicOnly).ToList();

        AssertAccepted(Validate(builder.BuildEncoded(), Parameters(certificates: certificates)));
    }

    [Fact]
    public void SignedWithEcdsaSha256_IsAccepted()
    {
        var builder = new SamlResponseBuilder { SigningCertificate = TestCertificates.Ecdsa, SignatureMethod = XmlSigning.EcdsaSha256 };

        AssertAccepted(Validate(builder.BuildEncoded(), Parameters(certificates: [TestCertificates.PublicOnly(TestCertificates.Ecdsa)])));
    }

    [Fact]
    public void Sha1Signature_IsRefused_ByDefault()
    {
        var builder = new SamlResponseBuilder { SignatureMethod = XmlSigning.RsaSha1, DigestMethod = XmlSigning.Sha1 };

        AssertRefused(SamlRefusal.WeakAlgorithm, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void Sha1Digest_UnderSha256Signature_IsRefused_ByDefault()
    {
        var builder = new SamlResponseBuilder { DigestMethod = XmlSigning.Sha1 };

        AssertRefused(SamlRefusal.WeakAlgorithm, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void Sha1Signature_IsAccepted_WhenAllowed()
    {
        var builder = new SamlResponseBuilder { SignatureMethod = XmlSigning.RsaSha1, DigestMethod = XmlSigning.Sha1 };

        AssertAccepted(Validate(builder.BuildEncoded(), Parameters(allowSha1: true)));
    }

    [Fact]
    public void NameIdChangedAfterSigning_IsRefused()
    {
        var document = new SamlResponseBuilder().Build();
        SamlResponseBuilder.NameIdOf(document).InnerText = "admin@example.com";

        AssertRefused(SamlRefusal.InvalidSignature, Validate(document));
    }

    [Fact]
    public void AttributeChangedAfterSigning_IsRefused()
    {
        var document = new SamlResponseBuilder().Build();
        var assertion = SamlResponseBuilder.AssertionOf(document);
        var value = SamlResponseBuilder.Child(SamlResponseBuilder.Child(SamlResponseBuilder.Child(assertion, "AttributeStatement"), "Attribute"), "AttributeValue");
        value.InnerText = "mallory@example.com";

        AssertRefused(SamlRefusal.InvalidSignature, Validate(document));
    }

    [Fact]
    public void SignatureReferencingAnotherElement_IsRefused()
    {
        // The assertion's signature references the Response (an enveloped signature inside it still verifies),
        // so it says nothing about the assertion that would be read.
        var builder = new SamlResponseBuilder { SignAssertion = false };
        var document = builder.BuildUnsigned();
        XmlSigning.Sign(SamlResponseBuilder.AssertionOf(document), TestCertificates.IdentityProvider, referenceId: builder.ResponseId);

        AssertRefused(SamlRefusal.SignatureWrapping, Validate(document));
    }

    [Fact]
    public void CanonicalizationWithComments_IsRefused()
    {
        var document = new SamlResponseBuilder().Build();
        var signature = SamlResponseBuilder.Child(SamlResponseBuilder.AssertionOf(document), "Signature");
        var method = SamlResponseBuilder.Child(SamlResponseBuilder.Child(signature, "SignedInfo"), "CanonicalizationMethod");
        method.SetAttribute("Algorithm", "http://www.w3.org/2001/10/xml-exc-c14n#WithComments");

        AssertRefused(SamlRefusal.InvalidSignature, Validate(document));
    }

    [Fact]
    public void NonSuccessStatus_IsRefused_WithTheStatusCodes()
    {
        var builder = new SamlResponseBuilder
        {
            StatusCode = "urn:oasis:names:tc:SAML:2.0:status:Responder",
            SecondLevelStatusCode = "urn:oasis:names:tc:SAML:2.0:status:NoPassive",
        };

        var result = Validate(builder.BuildEncoded());

        AssertRefused(SamlRefusal.NotSuccessStatus, result);
        Assert.Equal(["urn:oasis:names:tc:SAML:2.0:status:Responder", "urn:oasis:names:tc:SAML:2.0:status:NoPassive"], result.StatusCodes);
        Assert.Contains("NoPassive", result.Detail, StringComparison.Ordinal);
    }
}
