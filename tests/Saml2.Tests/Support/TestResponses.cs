namespace KeyPortal.Saml2.Tests.Support;

/// <summary>The service provider's side of a test: validation parameters matching <see cref="SamlResponseBuilder"/>'s defaults.</summary>
internal static class TestResponses
{
    public static FakeTimeProvider Clock() => new(SamlResponseBuilder.Now);

    public static ResponseValidationParameters Parameters(
        TimeProvider? time = null,
        string? expectedInResponseTo = SamlResponseBuilder.RequestId,
        bool allowUnsolicited = false,
        bool requireSignedAssertion = true,
        bool allowSha1 = false,
        X509Certificate2? decryptionCertificate = null,
        IReadOnlyList<X509Certificate2>? certificates = null,
        int maxBytes = 256 * 1024) => new()
        {
            ServiceProviderEntityId = SamlResponseBuilder.ServiceProviderEntityId,
            AssertionConsumerServiceUrl = SamlResponseBuilder.AssertionConsumerService,
            IdentityProviderEntityId = SamlResponseBuilder.IdentityProviderEntityId,
            IdentityProviderCertificates = certificates ?? [TestCertificates.PublicOnly(TestCertificates.IdentityProvider)],
            ExpectedInResponseTo = expectedInResponseTo,
            AllowUnsolicited = allowUnsolicited,
            RequireSignedAssertion = requireSignedAssertion,
            AllowSha1 = allowSha1,
            DecryptionCertificate = decryptionCertificate,
            MaxBytes = maxBytes,
            TimeProvider = time ?? Clock(),
        };

    public static SamlValidationResult Validate(string encoded, ResponseValidationParameters? parameters = null) =>
        ResponseValidator.Validate(encoded, parameters ?? Parameters());

    public static SamlValidationResult Validate(XmlDocument document, ResponseValidationParameters? parameters = null) =>
        Validate(SamlResponseBuilder.Encode(document), parameters);

    /// <summary>A refusal for exactly this reason, and no assertion.</summary>
    public static void AssertRefused(SamlRefusal expected, SamlValidationResult result)
    {
        Assert.False(result.Succeeded, "The response was accepted.");
        Assert.Null(result.Assertion);
        Assert.Equal(expected, result.Refusal);
        Assert.False(string.IsNullOrWhiteSpace(result.Detail));
    }

    public static SamlAssertion AssertAccepted(SamlValidationResult result)
    {
        Assert.True(result.Succeeded, $"Refused: {result.Refusal} {result.Detail}");
        Assert.Null(result.Refusal);
        return result.Assertion!;
    }
}
