namespace KeyPortal.EndToEnd.Passkeys;

/// <summary>
/// Proves the harness itself: the DevTools virtual authenticator answers WebAuthn ceremonies on
/// an IdP page with relying-party id "localhost", as a device-bound key or as a synced passkey.
/// </summary>
[Collection(KeyPortalApps.Collection)]
public sealed class VirtualAuthenticatorTests(KeyPortalApps apps)
{
    /// <summary>
    /// Registers a discoverable credential, then asserts with it; returns the authenticator
    /// data flags and AAGUID the browser reported.
    /// </summary>
    private const string CreateThenGet = """
        async () => {
          const random = n => crypto.getRandomValues(new Uint8Array(n));
          const created = await navigator.credentials.create({ publicKey: {
            challenge: random(32),
            rp: { id: "localhost", name: "Key Portal" },
            user: { id: random(16), name: "harness@example.com", displayName: "Harness" },
            pubKeyCredParams: [{ type: "public-key", alg: -7 }, { type: "public-key", alg: -257 }],
            authenticatorSelection: { residentKey: "required", userVerification: "required" },
            attestation: "direct" } });
          const data = new Uint8Array(created.response.getAuthenticatorData());
          const hex = [...data.slice(37, 53)].map(b => b.toString(16).padStart(2, "0")).join("");
          const asserted = await navigator.credentials.get({ publicKey: {
            challenge: random(32), rpId: "localhost", userVerification: "required" } });
          return {
            id: created.id,
            flags: data[32],
            aaguid: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
            transports: created.response.getTransports(),
            assertedId: asserted.id,
          };
        }
        """;

    // WebAuthn authenticator data flags (W3C WebAuthn Level 3, §6.1).
    private const int UserPresent = 0x01;
    private const int UserVerified = 0x04;
    private const int BackupEligible = 0x08;
    private const int BackedUp = 0x10;

    [Fact]
    public async Task Security_key_registers_and_asserts_a_device_bound_discoverable_credential()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(Security_key_registers_and_asserts_a_device_bound_discoverable_credential));
        var key = await journey.AddAuthenticatorAsync();
        await journey.Page.GotoAsync(apps.IdP.AbsoluteUri);

        var result = await journey.Page.EvaluateAsync<CeremonyResult>(CreateThenGet);

        Assert.Equal(result.Id, result.AssertedId);
        Assert.Equal(UserPresent | UserVerified, result.Flags & (UserPresent | UserVerified));
        Assert.Equal(0, result.Flags & (BackupEligible | BackedUp));
        Assert.Equal("01020304-0506-0708-0102-030405060708", result.Aaguid);
        Assert.Contains("usb", result.Transports);
        var credential = Assert.Single(await key.GetCredentialsAsync());
        Assert.True(credential.IsResidentCredential);
        Assert.Equal("localhost", credential.RelyingPartyId);
        Assert.True(credential.SignCount >= 1, $"sign count {credential.SignCount}");
        await journey.ScreenshotAsync("after-ceremonies");
    }

    [Fact]
    public async Task Synced_passkey_options_set_the_backup_flags()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(Synced_passkey_options_set_the_backup_flags));
        await journey.AddAuthenticatorAsync(VirtualAuthenticatorOptions.SyncedPasskey);
        await journey.Page.GotoAsync(apps.IdP.AbsoluteUri);

        var result = await journey.Page.EvaluateAsync<CeremonyResult>(CreateThenGet);

        Assert.Equal(BackupEligible | BackedUp, result.Flags & (BackupEligible | BackedUp));
    }

    [Fact]
    public async Task Replacing_the_authenticator_leaves_exactly_one_that_has_no_credentials()
    {
        await using var journey = await apps.StartJourneyAsync(nameof(Replacing_the_authenticator_leaves_exactly_one_that_has_no_credentials));
        await journey.AddAuthenticatorAsync();
        await journey.Page.GotoAsync(apps.IdP.AbsoluteUri);
        await journey.Page.EvaluateAsync<CeremonyResult>(CreateThenGet);

        var second = await journey.AddAuthenticatorAsync();

        Assert.Same(second, journey.Authenticator);
        Assert.Empty(await second.GetCredentialsAsync());
    }

    /// <summary>What <see cref="CreateThenGet"/> returns (Playwright needs settable properties).</summary>
    private sealed class CeremonyResult
    {
        public string Id { get; set; } = "";

        public int Flags { get; set; }

        public string Aaguid { get; set; } = "";

        public string[] Transports { get; set; } = [];

        public string AssertedId { get; set; } = "";
    }
}
