namespace KeyPortal.Core.SingleSignOn;

/// <summary>
/// An email domain an organization claims, so the email-first sign-in page sends its addresses
/// to the organization's identity provider. Routing follows only a verified claim: a DNS TXT
/// record with <see cref="VerificationToken"/> under the domain, or a platform operator's word.
/// Several organizations may claim a domain; only one can hold it verified.
/// </summary>
public sealed class SsoDomain
{
    public const int MaxLength = 253;

    /// <summary>The TXT record's value starts with this, then the token.</summary>
    public const string RecordPrefix = "keyportal-domain-verification=";

    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    /// <summary>Lower-case ASCII (IDNA) form, e.g. <c>contoso.example</c>.</summary>
    public string Domain { get; set; } = "";

    public string VerificationToken { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? VerifiedAt { get; set; }

    /// <summary><c>dns</c> or <c>operator</c>.</summary>
    public string? VerifiedBy { get; set; }

    public bool IsVerified => VerifiedAt is not null;

    /// <summary>The TXT record the organization's DNS administrator publishes.</summary>
    public string ExpectedRecord => RecordPrefix + VerificationToken;
}
