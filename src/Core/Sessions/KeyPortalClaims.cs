namespace KeyPortal.Core.Sessions;

/// <summary>
/// The claim types the product reads and writes: in the IdP's session cookie, in the tokens it
/// issues (OpenID Connect names), and in the relying parties' cookies. One spelling for all.
/// </summary>
public static class KeyPortalClaims
{
    /// <summary>The user's id (a client's id in client-credentials tokens).</summary>
    public const string Subject = "sub";

    public const string Email = "email";

    /// <summary>The client a token was issued to (RFC 9068); equal to <see cref="Subject"/> in a client's own token.</summary>
    public const string ClientId = "client_id";

    /// <summary>The IdP session's id (OpenID Connect front- and back-channel logout).</summary>
    public const string SessionId = "sid";

    /// <summary>RFC 8176 values, one claim each; see <see cref="AuthenticationMethods"/>.</summary>
    public const string AuthenticationMethod = "amr";

    /// <summary>When the person last authenticated, in seconds since the Unix epoch.</summary>
    public const string AuthenticationTime = "auth_time";

    /// <summary>The user's security stamp at sign-in: a reset, suspension or credential change rotates it and ends the session.</summary>
    public const string SecurityStamp = "ks:stamp";

    /// <summary>
    /// The organization a Portal user works in (their choice in the header menu); for an API
    /// token's caller, the token's organization.
    /// </summary>
    public const string Organization = "ks:org";

    /// <summary>
    /// The organization whose identity provider made the session (single sign-on); the session
    /// reaches that organization only. The session row decides (<see cref="UserSession.FederatedOrganizationId"/>);
    /// the claim tells pages why.
    /// </summary>
    public const string FederatedOrganization = "ks:fed_org";

    /// <summary>
    /// The public id of the API token a caller authenticated with (directly, or through an access
    /// token the IdP issued against it). A principal that carries it acts in <see cref="Organization"/>
    /// only, the token's organization, never in another organization of the same user.
    /// </summary>
    public const string ApiToken = "ks:api_token";

    /// <summary>In an access token the IdP issued against an API token: the id of the token's user (its <c>sub</c> is the token).</summary>
    public const string ApiTokenUser = "ks:user";

    /// <summary>
    /// In a client's own access token (client credentials): the version of the client's secret it
    /// was issued against, so that rotating the secret or removing the client ends the token
    /// (<c>KeyPortal.Hosting.ClientTokens</c>); such tokens have no token entry.
    /// </summary>
    public const string ClientSecretVersion = "ks:csv";

    /// <summary>Set when the session may only be used to create a passkey (password after the cut-off).</summary>
    public const string PasskeyRequired = "ks:passkey_required";
}
