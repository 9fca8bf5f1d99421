namespace KeyPortal.Saml2;

/// <summary>What a validated assertion says, read from the very element whose signature was verified.</summary>
/// <param name="AssertionId">The assertion's ID; remember it in the replay cache (SAML profiles §4.1.4.5).</param>
/// <param name="Issuer">The identity provider's entity id.</param>
/// <param name="NameId">The subject's NameID, exactly as sent.</param>
/// <param name="NameIdFormat">The NameID's Format attribute, when present.</param>
/// <param name="SessionIndex">The AuthnStatement's SessionIndex, needed for single logout.</param>
/// <param name="Attributes">Attribute values by attribute Name, in document order.</param>
/// <param name="NotOnOrAfter">The Conditions' NotOnOrAfter, when present.</param>
/// <param name="SubjectConfirmationNotOnOrAfter">The accepted bearer confirmation's NotOnOrAfter: the end of the delivery window.</param>
/// <param name="InResponseTo">The request this answers, or null when unsolicited.</param>
/// <param name="AuthnInstant">When the identity provider authenticated the subject.</param>
public sealed record SamlAssertion(
    string AssertionId,
    string Issuer,
    string NameId,
    string? NameIdFormat,
    string? SessionIndex,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Attributes,
    DateTimeOffset? NotOnOrAfter,
    DateTimeOffset SubjectConfirmationNotOnOrAfter,
    string? InResponseTo,
    DateTimeOffset? AuthnInstant)
{
    /// <summary>
    /// How long the replay cache must remember <see cref="AssertionId"/>: as long as the validator would still accept
    /// the assertion, i.e. the end of the bearer delivery window (and of the Conditions, if later), plus the skew.
    /// </summary>
    public DateTimeOffset KeepInReplayCacheUntil(TimeSpan clockSkew)
    {
        var until = NotOnOrAfter is { } conditions && conditions > SubjectConfirmationNotOnOrAfter
            ? conditions
            : SubjectConfirmationNotOnOrAfter;
        return until + clockSkew;
    }
}
