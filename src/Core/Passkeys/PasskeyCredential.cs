namespace KeyPortal.Core.Passkeys;

/// <summary>A WebAuthn credential registered by a user (a passkey on a security key).</summary>
public sealed class PasskeyCredential
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    /// <summary>The authenticator's credential id (raw bytes), unique across all users.</summary>
    public byte[] CredentialId { get; set; } = [];

    /// <summary>COSE-encoded public key.</summary>
    public byte[] PublicKey { get; set; } = [];

    public uint SignCount { get; set; }

    public Guid Aaguid { get; set; }

    public bool BackupEligible { get; set; }

    public bool BackedUp { get; set; }

    /// <summary>Comma-separated WebAuthn transports (usb, nfc, ble, internal, hybrid).</summary>
    public string? Transports { get; set; }

    /// <summary>WebAuthn attestation statement format at registration ("packed", "none", ...).</summary>
    public string AttestationFormat { get; set; } = "none";

    public string Name { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }
}
