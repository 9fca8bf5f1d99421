using System.ComponentModel.DataAnnotations;

namespace KeyPortal.IdP;

/// <summary>A relying party or API client registered at start-up (<c>IdentityProvider:Clients</c>).</summary>
public sealed class ClientOptions
{
    [Required]
    public string ClientId { get; set; } = "";

    /// <summary>Required unless <see cref="Public"/>; stored hashed by OpenIddict.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// An app that cannot keep a secret (native, single-page): no <see cref="ClientSecret"/>, PKCE
    /// only, no client credentials. Said on purpose, so a secret missing from one instance's
    /// configuration is a start-up error and never a client anybody may speak for.
    /// </summary>
    public bool Public { get; set; }

    public string DisplayName { get; set; } = "";

    /// <summary>
    /// Exact redirect URIs. May start with <c>{Portal}</c>, <c>{Admin}</c> or <c>{IdP}</c>, replaced
    /// by that app's public URL (<c>PublicUrls</c>), so one setting follows the deployment.
    /// </summary>
    public List<string> RedirectUris { get; set; } = [];

    /// <summary>Exact post-logout redirect URIs; same placeholders as <see cref="RedirectUris"/>.</summary>
    public List<string> PostLogoutRedirectUris { get; set; } = [];

    /// <summary><c>authorization_code</c>, <c>refresh_token</c>, <c>client_credentials</c>.</summary>
    public List<string> GrantTypes { get; set; } = ["authorization_code"];

    /// <summary>Extra scopes the client may request besides openid (e.g. email, profile, api).</summary>
    public List<string> Scopes { get; set; } = ["email", "profile"];
}
