namespace KeyPortal.Core.SingleSignOn;

/// <summary>A SAML identity provider as its metadata (or its administrator) describes it.</summary>
public sealed record SamlConnectionSettings(
    string IdentityProviderEntityId,
    Uri SingleSignOnUrl,
    string SigningCertificatesPem,
    string? MetadataUrl,
    DateTimeOffset? MetadataValidUntil,
    bool RequireSignedAssertions = true,
    bool AllowSha1 = false,
    bool AllowIdpInitiated = false,
    bool SignRequests = true,
    int ClockSkewSeconds = SsoConnection.DefaultClockSkewSeconds);

/// <summary>An upstream OpenID Connect provider; a null secret keeps the one stored.</summary>
public sealed record OidcConnectionSettings(Uri Issuer, string ClientId, string? ClientSecret);
