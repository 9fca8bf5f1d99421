using KeyPortal.Saml2.Tests.Support;
using static KeyPortal.Saml2.Tests.Support.TestResponses;

namespace KeyPortal.Saml2.Tests.Responses;

/// <summary>What a correctly signed Response must say to be for us, now, and in answer to our request.</summary>
public sealed class ResponseConditionsTests
{
    [Fact]
    public void Expired_IsRefused()
    {
        var clock = Clock();
        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromMinutes(2));

        AssertRefused(SamlRefusal.Expired, Validate(new SamlResponseBuilder().BuildEncoded(), Parameters(clock)));
    }

    [Fact]
    public void BearerConfirmationExpired_ConditionsStillValid_IsRefused()
    {
        var builder = new SamlResponseBuilder
        {
            NotOnOrAfter = SamlResponseBuilder.Now.AddHours(1),
            SubjectConfirmationNotOnOrAfter = SamlResponseBuilder.Now.AddMinutes(-3),
        };

        AssertRefused(SamlRefusal.Expired, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void NotYetValid_IsRefused()
    {
        var builder = new SamlResponseBuilder { NotBefore = SamlResponseBuilder.Now.AddMinutes(3) };

        AssertRefused(SamlRefusal.NotYetValid, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void OneMinuteLate_IsAccepted_WithinTheDefaultSkew()
    {
        var clock = Clock();
        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromMinutes(1));

        AssertAccepted(Validate(new SamlResponseBuilder().BuildEncoded(), Parameters(clock)));
    }

    [Fact]
    public void OneMinuteEarly_IsAccepted_WithinTheDefaultSkew()
    {
        var builder = new SamlResponseBuilder { NotBefore = SamlResponseBuilder.Now.AddMinutes(1) };

        AssertAccepted(Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void WrongAudience_IsRefused()
    {
        var builder = new SamlResponseBuilder { Audience = "https://other-sp.example.net/saml" };

        AssertRefused(SamlRefusal.WrongAudience, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void NoAudienceRestriction_IsRefused()
    {
        var builder = new SamlResponseBuilder { Audience = null };

        AssertRefused(SamlRefusal.WrongAudience, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void WrongDestination_IsRefused()
    {
        var builder = new SamlResponseBuilder { Destination = "https://other-sp.example.net/saml/acs" };

        AssertRefused(SamlRefusal.WrongDestination, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void SignedResponseWithoutDestination_IsRefused()
    {
        var builder = new SamlResponseBuilder { SignResponse = true, Destination = null };

        AssertRefused(SamlRefusal.WrongDestination, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void UnsignedResponseWithoutDestination_AroundSignedAssertion_IsAccepted()
    {
        var builder = new SamlResponseBuilder { Destination = null };

        AssertAccepted(Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void WrongRecipient_IsRefused()
    {
        var builder = new SamlResponseBuilder { Recipient = "https://other-sp.example.net/saml/acs" };

        AssertRefused(SamlRefusal.WrongRecipient, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void WrongAssertionIssuer_IsRefused()
    {
        var builder = new SamlResponseBuilder { ResponseIssuer = null, AssertionIssuer = "https://evil-idp.example.net/saml" };

        AssertRefused(SamlRefusal.WrongIssuer, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void WrongResponseIssuer_IsRefused()
    {
        var builder = new SamlResponseBuilder { ResponseIssuer = "https://evil-idp.example.net/saml" };

        AssertRefused(SamlRefusal.WrongIssuer, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void UnknownInResponseTo_IsRefused()
    {
        var builder = new SamlResponseBuilder { InResponseTo = "_someone-elses-request", SubjectConfirmationInResponseTo = "_someone-elses-request" };

        AssertRefused(SamlRefusal.UnknownInResponseTo, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void BearerConfirmationInResponseToAnotherRequest_IsRefused()
    {
        var builder = new SamlResponseBuilder { SubjectConfirmationInResponseTo = "_someone-elses-request" };

        AssertRefused(SamlRefusal.UnknownInResponseTo, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void InResponseTo_WhenNoRequestIsOutstanding_IsRefused()
    {
        AssertRefused(SamlRefusal.UnknownInResponseTo, Validate(new SamlResponseBuilder().BuildEncoded(), Parameters(expectedInResponseTo: null, allowUnsolicited: true)));
    }

    [Fact]
    public void NoInResponseTo_WhenARequestIsOutstanding_IsRefused()
    {
        var builder = new SamlResponseBuilder { InResponseTo = null, SubjectConfirmationInResponseTo = null };

        AssertRefused(SamlRefusal.UnknownInResponseTo, Validate(builder.BuildEncoded()));
    }

    [Fact]
    public void Unsolicited_IsRefused_ByDefault()
    {
        var builder = new SamlResponseBuilder { InResponseTo = null, SubjectConfirmationInResponseTo = null };

        AssertRefused(SamlRefusal.UnsolicitedNotAllowed, Validate(builder.BuildEncoded(), Parameters(expectedInResponseTo: null)));
    }

    [Fact]
    public void Unsolicited_IsAccepted_WhenAllowed()
    {
        var builder = new SamlResponseBuilder { InResponseTo = null, SubjectConfirmationInResponseTo = null };

        var assertion = AssertAccepted(Validate(builder.BuildEncoded(), Parameters(expectedInResponseTo: null, allowUnsolicited: true)));

        Assert.Null(assertion.InResponseTo);
    }

    [Fact]
    public void NoBearerConfirmation_IsRefused()
    {
        var document = new SamlResponseBuilder { SignAssertion = false }.BuildUnsigned();
        var subject = SamlResponseBuilder.Child(SamlResponseBuilder.AssertionOf(document), "Subject");
        SamlResponseBuilder.Child(subject, "SubjectConfirmation").SetAttribute("Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key");
        XmlSigning.Sign(SamlResponseBuilder.AssertionOf(document), TestCertificates.IdentityProvider);

        AssertRefused(SamlRefusal.NoBearerConfirmation, Validate(document));
    }

    [Fact]
    public void EmptyNameId_IsRefused()
    {
        var document = new SamlResponseBuilder { SignAssertion = false }.BuildUnsigned();
        SamlResponseBuilder.NameIdOf(document).RemoveAll();
        XmlSigning.Sign(SamlResponseBuilder.AssertionOf(document), TestCertificates.IdentityProvider);

        AssertRefused(SamlRefusal.MissingNameId, Validate(document));
    }
}
