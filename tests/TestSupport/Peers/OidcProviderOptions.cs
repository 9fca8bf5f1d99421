namespace KeyPortal.TestSupport.Peers;

/// <summary>
/// A person at a customer's OpenID Connect provider. They sign in with their <paramref name="Email"/>
/// (or <paramref name="Subject"/>) and <paramref name="Password"/>; the id_token says <c>sub</c>,
/// <c>email</c> and <c>email_verified</c>.
/// </summary>
public sealed record OidcTestUser(string Subject, string Email, bool EmailVerified, string Password);

/// <summary>How <see cref="OidcProviderIdp"/> is set up: one confidential client (the Portal, for one organization) and its users.</summary>
public sealed record OidcProviderOptions
{
    public required string ClientId { get; init; }

    public required string ClientSecret { get; init; }

    public required Uri RedirectUri { get; init; }

    /// <summary>Where the client may send the browser after signing out at the provider. Default: none.</summary>
    public IReadOnlyList<Uri> PostLogoutRedirectUris { get; init; } = [];

    /// <summary>How the client authenticates at the token endpoint: <c>client_secret_basic</c> (default) or <c>client_secret_post</c>.</summary>
    public string TokenEndpointAuthMethod { get; init; } = "client_secret_basic";

    public IReadOnlyList<OidcTestUser> Users { get; init; } = [];
}
