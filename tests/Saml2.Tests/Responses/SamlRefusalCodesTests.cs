namespace KeyPortal.Saml2.Tests.Responses;

public sealed class SamlRefusalCodesTests
{
    [Theory]
    [InlineData(SamlRefusal.WrongAudience, "wrong_audience")]
    [InlineData(SamlRefusal.UnknownInResponseTo, "unknown_in_response_to")]
    [InlineData(SamlRefusal.DoctypeNotAllowed, "doctype_not_allowed")]
    [InlineData(SamlRefusal.MissingNameId, "missing_name_id")]
    [InlineData(SamlRefusal.Replayed, "replayed")]
    public void Of_GivesTheStableCode(SamlRefusal refusal, string code)
    {
        Assert.Equal(code, SamlRefusalCodes.Of(refusal));
    }

    [Fact]
    public void EveryRefusal_HasItsOwnSnakeCaseCode()
    {
        var codes = Enum.GetValues<SamlRefusal>().Select(SamlRefusalCodes.Of).ToList();

        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(codes, code => Assert.Matches("^[a-z]+(_[a-z]+)*$", code));
    }

    [Fact]
    public void Result_CarriesTheCodeOfItsRefusal()
    {
        var result = ResponseValidator.Validate("not base64!", Support.TestResponses.Parameters());

        Assert.Equal("malformed", result.RefusalCode);
    }
}
