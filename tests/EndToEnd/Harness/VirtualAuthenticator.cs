namespace KeyPortal.EndToEnd.Harness;

/// <summary>
/// Options of Chromium's DevTools virtual authenticator (<c>WebAuthn.addVirtualAuthenticator</c>).
/// Its <c>packed</c> attestation reports AAGUID 01020304-0506-0708-0102-030405060708.
/// </summary>
public sealed record VirtualAuthenticatorOptions
{
    /// <summary>A device-bound security key: CTAP2 over USB, resident keys, user verification, touch simulated.</summary>
    public static VirtualAuthenticatorOptions SecurityKey { get; } = new();

    /// <summary>A synced (cloud-copied) passkey: backup eligible and backed up, which the device-bound policy refuses.</summary>
    public static VirtualAuthenticatorOptions SyncedPasskey { get; } = new() { BackupEligible = true, BackedUp = true };

    public string Protocol { get; init; } = "ctap2";

    public string Transport { get; init; } = "usb";

    public bool HasResidentKey { get; init; } = true;

    public bool HasUserVerification { get; init; } = true;

    /// <summary>Whether user verification (PIN, biometric) succeeds.</summary>
    public bool IsUserVerified { get; init; } = true;

    /// <summary>Answers every ceremony as if the user touched the key.</summary>
    public bool AutomaticPresenceSimulation { get; init; } = true;

    /// <summary>The BE flag of new credentials.</summary>
    public bool BackupEligible { get; init; }

    /// <summary>The BS flag of new credentials.</summary>
    public bool BackedUp { get; init; }

    internal Dictionary<string, object> ToProtocol() => new()
    {
        ["protocol"] = Protocol,
        ["transport"] = Transport,
        ["hasResidentKey"] = HasResidentKey,
        ["hasUserVerification"] = HasUserVerification,
        ["isUserVerified"] = IsUserVerified,
        ["automaticPresenceSimulation"] = AutomaticPresenceSimulation,
        ["defaultBackupEligibility"] = BackupEligible,
        ["defaultBackupState"] = BackedUp,
    };
}

/// <summary>A credential held by a virtual authenticator (<c>WebAuthn.getCredentials</c>).</summary>
public sealed record VirtualCredential(string CredentialId, bool IsResidentCredential, string? RelyingPartyId, string? UserHandle, long SignCount, bool? BackupEligible, bool? BackedUp);

/// <summary>
/// A DevTools virtual authenticator attached to one page through a CDP session. WebAuthn is
/// enabled on that session before the authenticator is added, which must happen before the page
/// calls <c>navigator.credentials</c>.
/// </summary>
public sealed class VirtualAuthenticator
{
    private readonly ICDPSession _session;

    private VirtualAuthenticator(ICDPSession session, string id)
    {
        _session = session;
        Id = id;
    }

    /// <summary>The DevTools <c>authenticatorId</c>.</summary>
    public string Id { get; }

    public static async Task<VirtualAuthenticator> AddAsync(IBrowserContext context, IPage page, VirtualAuthenticatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var session = await context.NewCDPSessionAsync(page);
        // enableUI false: no browser dialog would ever be answered in headless runs.
        await session.SendAsync("WebAuthn.enable", new Dictionary<string, object> { ["enableUI"] = false });
        var result = await session.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = options.ToProtocol(),
        });
        var id = result?.GetProperty("authenticatorId").GetString()
            ?? throw new InvalidOperationException("WebAuthn.addVirtualAuthenticator returned no authenticatorId.");
        return new VirtualAuthenticator(session, id);
    }

    /// <summary>
    /// A second authenticator in the same DevTools session (a second security key plugged in).
    /// With two present, switch presence so that exactly one answers each ceremony.
    /// </summary>
    public async Task<VirtualAuthenticator> AddAnotherAsync(VirtualAuthenticatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = await _session.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = options.ToProtocol(),
        });
        var id = result?.GetProperty("authenticatorId").GetString()
            ?? throw new InvalidOperationException("WebAuthn.addVirtualAuthenticator returned no authenticatorId.");
        return new VirtualAuthenticator(_session, id);
    }

    public Task RemoveAsync() =>
        _session.SendAsync("WebAuthn.removeVirtualAuthenticator", Args());

    /// <summary>Off: ceremonies wait for a touch that never comes (to test timeouts or cancel).</summary>
    public Task SetAutomaticPresenceSimulationAsync(bool enabled) =>
        _session.SendAsync("WebAuthn.setAutomaticPresenceSimulation", Args(("enabled", enabled)));

    /// <summary>Whether user verification (PIN, biometric) succeeds from now on.</summary>
    public Task SetUserVerifiedAsync(bool isUserVerified) =>
        _session.SendAsync("WebAuthn.setUserVerified", Args(("isUserVerified", isUserVerified)));

    /// <summary>Switches the backup flags of one stored credential (turns a key's credential into a "synced" one).</summary>
    public Task SetBackupFlagsAsync(string credentialId, bool backupEligible, bool backedUp) =>
        _session.SendAsync("WebAuthn.setCredentialProperties", Args(
            ("credentialId", credentialId), ("backupEligibility", backupEligible), ("backupState", backedUp)));

    /// <summary>Deletes every credential on the authenticator (a wiped or different key).</summary>
    public Task ClearCredentialsAsync() =>
        _session.SendAsync("WebAuthn.clearCredentials", Args());

    public async Task<IReadOnlyList<VirtualCredential>> GetCredentialsAsync()
    {
        var result = await _session.SendAsync("WebAuthn.getCredentials", Args());
        if (result is not { } json)
        {
            return [];
        }

        return json.GetProperty("credentials").EnumerateArray().Select(c => new VirtualCredential(
            c.GetProperty("credentialId").GetString()!,
            c.GetProperty("isResidentCredential").GetBoolean(),
            c.TryGetProperty("rpId", out var rp) ? rp.GetString() : null,
            c.TryGetProperty("userHandle", out var user) ? user.GetString() : null,
            c.GetProperty("signCount").GetInt64(),
            c.TryGetProperty("backupEligibility", out var be) ? be.GetBoolean() : null,
            c.TryGetProperty("backupState", out var bs) ? bs.GetBoolean() : null)).ToList();
    }

    private Dictionary<string, object> Args(params (string Name, object Value)[] more)
    {
        var args = new Dictionary<string, object> { ["authenticatorId"] = Id };
        foreach (var (name, value) in more)
        {
            args[name] = value;
        }

        return args;
    }
}
