namespace KeyPortal.IdP.Federation;

/// <summary>
/// Who an organization's identity provider says signed in, read from its validated answer (the
/// signed SAML assertion, or the OpenID Connect id_token and userinfo).
/// </summary>
/// <param name="Protocol"><c>saml</c> or <c>oidc</c>.</param>
/// <param name="Subject">The SAML NameID or the OIDC <c>sub</c>.</param>
/// <param name="SubjectFormat">The NameID's format, when SAML.</param>
/// <param name="Email">The email address it asserts, if any (the member is found by it).</param>
/// <param name="EmailVerified">False only when the provider says the address is not verified (OIDC <c>email_verified</c>).</param>
/// <param name="Attributes">Everything else it sent, shown by a connection test.</param>
public sealed record FederatedIdentity(
    string Protocol,
    string Subject,
    string? SubjectFormat,
    string? Email,
    bool EmailVerified,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Attributes);
