namespace KeyPortal.Saml2;

/// <summary>Either an accepted assertion, or the refusal and a detail for logs and administrators (never key material).</summary>
public sealed record SamlValidationResult(SamlAssertion? Assertion, SamlRefusal? Refusal, string? Detail)
{
    public bool Succeeded => Assertion is not null;

    /// <summary>
    /// For <see cref="SamlRefusal.NotSuccessStatus"/>: the top-level StatusCode and the nested ones (SAML core
    /// §3.2.2.2), e.g. Responder then NoPassive, so that the application can tell a passive attempt from a failure.
    /// </summary>
    public IReadOnlyList<string> StatusCodes { get; init; } = [];

    /// <summary>The stable code of <see cref="Refusal"/>, or null on success.</summary>
    public string? RefusalCode => Refusal is { } refusal ? SamlRefusalCodes.Of(refusal) : null;

    internal static SamlValidationResult Accepted(SamlAssertion assertion) => new(assertion, null, null);

    internal static SamlValidationResult Refused(Refused refused) => new(null, refused.Reason, refused.Detail);
}
