namespace KeyPortal.Core.Passkeys;

/// <summary>
/// The server half of a WebAuthn ceremony in progress: the options (and so the challenge) sent
/// to the browser. Kept in the database so any instance can finish it; deleted when used, so a
/// challenge answers exactly once, and refused after <see cref="ExpiresAt"/>.
/// </summary>
public sealed class WebAuthnCeremony
{
    public Guid Id { get; set; }

    public WebAuthnCeremonyKind Kind { get; set; }

    /// <summary>The user the ceremony is for; null for a discoverable (usernameless) sign-in.</summary>
    public Guid? UserId { get; set; }

    /// <summary>Fido2 <c>CredentialCreateOptions</c> or <c>AssertionOptions</c> as JSON.</summary>
    public string OptionsJson { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

public enum WebAuthnCeremonyKind
{
    Registration = 1,
    Assertion = 2,
}
