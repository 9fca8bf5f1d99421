using KeyPortal.Core.Passkeys;

namespace KeyPortal.Core.Tests.Passkeys;

/// <summary>
/// SPEC (Passwordless): device-bound passkeys on YubiKeys with firmware 5.2.4 or newer, told apart
/// by attestation and AAGUID; synced passkeys refused; the policy configurable for development.
/// Each refusal leaves the database as it was, but for the consumed ceremony.
/// </summary>
public abstract class PasskeyAuthenticatorPolicyTests(DatabaseFixture fixture) : PasskeyDatabaseTests(fixture)
{
    public static TheoryData<AuthenticatorPolicyKind, bool> StrictPoliciesAndBackupState() => new()
    {
        { AuthenticatorPolicyKind.YubiKey, false },
        { AuthenticatorPolicyKind.YubiKey, true },
        { AuthenticatorPolicyKind.DeviceBound, false },
        { AuthenticatorPolicyKind.DeviceBound, true },
    };

    [Theory]
    [MemberData(nameof(StrictPoliciesAndBackupState))]
    public async Task SyncedPasskey_IsRefusedByYubiKeyAndDeviceBoundPolicies(AuthenticatorPolicyKind policy, bool backedUp)
    {
        Policy = policy;
        using var key = GivenYubiKey();
        key.BackupEligible = true;
        key.BackedUp = backedUp;

        var error = await AssertRegistrationRefusedAsync("passkey.synced_not_allowed", key);

        Assert.Equal("This passkey is synced to a cloud account (backup eligible). Use a passkey stored on your security key.", error.Message);
    }

    [Fact]
    public async Task SignIn_WithTheBackupEligibleFlag_IsRefusedAndAuditedUnderTheDeviceBoundPolicy()
    {
        Policy = AuthenticatorPolicyKind.DeviceBound;
        var user = await GivenUserAsync();
        using var key = new SoftwareAuthenticator(Guid.NewGuid());
        await RegisterAsync(user, key);

        // The same key now says it may be synced (a credential manager answering for it).
        key.BackupEligible = true;
        var start = await BeginAssertionAsync(user);
        var error = await Assert.ThrowsAsync<DomainException>(() => CompleteAssertionAsync(start, key.CreateAssertionJson(start.OptionsJson, Origin)));

        Assert.Equal("passkey.synced_not_allowed", error.Error.Code);
        await using var scope = OpenScope();
        var db = scope.Db;
        Assert.True(await db.AuditEntries.AnyAsync(a => a.TargetUserId == user.Id && a.Action == "passkey.backup_eligible_refused"));
        Assert.Null((await db.PasskeyCredentials.AsNoTracking().SingleAsync(p => p.UserId == user.Id)).LastUsedAt);
    }

    [Fact]
    public async Task SignIn_WithAKeyStoredUnderTheAnyPolicy_IsRefusedOnceThePolicyIsDeviceBound()
    {
        Policy = AuthenticatorPolicyKind.Any;
        var user = await GivenUserAsync();
        using var key = new SoftwareAuthenticator(Guid.NewGuid()) { BackupEligible = true, BackedUp = true };
        await RegisterAsync(user, key);

        Policy = AuthenticatorPolicyKind.DeviceBound;
        var start = await BeginAssertionAsync(user);
        var error = await Assert.ThrowsAsync<DomainException>(() => CompleteAssertionAsync(start, key.CreateAssertionJson(start.OptionsJson, Origin)));

        Assert.Equal("passkey.synced_not_allowed", error.Error.Code);
    }

    [Fact]
    public async Task SyncedPasskey_IsAcceptedByTheAnyPolicy()
    {
        Policy = AuthenticatorPolicyKind.Any;
        var user = await GivenUserAsync();
        using var key = new SoftwareAuthenticator(Guid.Parse("fbfc3007-154e-4ecc-8c0b-6e020557d7bd")) { BackupEligible = true, BackedUp = true };
        key.Transports = ["internal", "hybrid"];

        await RegisterAsync(user, key);

        var stored = Assert.Single(await PasskeysOfAsync(user.Id));
        Assert.True(stored.BackupEligible);
        Assert.True(stored.BackedUp);
        Assert.Equal("none", stored.AttestationFormat);
        Assert.Equal("internal,hybrid", stored.Transports);
        Assert.Equal("Security key", stored.Name);
    }

    [Theory]
    [InlineData(AttestationStyle.None)]
    [InlineData(AttestationStyle.PackedWithCertificate)]
    public async Task VirtualAuthenticator_IsNotAYubiKey(AttestationStyle attestation)
    {
        using var key = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid)
        {
            Attestation = attestation,
            CertificateAuthority = TestYubico,
        };

        var error = await AssertRegistrationRefusedAsync("passkey.not_a_yubikey", key);

        Assert.Equal("This authenticator is not a YubiKey. The portal accepts YubiKeys with firmware 5.2.4 or newer.", error.Message);
    }

    [Fact]
    public async Task VirtualAuthenticatorWithoutBackup_IsAcceptedByTheDeviceBoundPolicy()
    {
        Policy = AuthenticatorPolicyKind.DeviceBound;
        var user = await GivenUserAsync(UserState.Pending);
        using var key = new SoftwareAuthenticator(SoftwareAuthenticator.VirtualAuthenticatorAaguid);

        await RegisterAsync(user, key);

        var stored = Assert.Single(await PasskeysOfAsync(user.Id));
        Assert.Equal(SoftwareAuthenticator.VirtualAuthenticatorAaguid, stored.Aaguid);
        Assert.Equal("Security key", stored.Name);
        Assert.Equal(UserState.Active, (await LoadUserAsync(user.Id)).State);
    }

    [Fact]
    public async Task YubiKeyOfTheFirmware51Series_IsTooOld()
    {
        using var key = GivenYubiKey(SoftwareAuthenticator.YubiKey5Firmware51Aaguid);

        var error = await AssertRegistrationRefusedAsync("passkey.firmware_too_old", key);

        Assert.StartsWith("This YubiKey's firmware is older than 5.2.4.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ee882879-721c-4913-9775-3dfcce97072a", "YubiKey 5 / 5 Nano / 5C Nano / 5C")] // 5.2 / 5.4: the newest series decides
    [InlineData("a25342c0-3cdc-4414-8e46-f4807fca511c", "YubiKey 5 NFC / 5C NFC")] // 5.7
    [InlineData("d8522d9f-575b-4866-88a9-ba99fa02f35b", "YubiKey Bio FIDO Ed.")] // 5.5 / 5.6
    [InlineData("149a2021-8ef6-4133-96b8-81f8d5b7f1f5", "Security Key NFC")] // 5.2 / 5.4
    public async Task YubiKeyWhoseNewestFirmwareSeriesReachesTheMinimum_IsAccepted(string aaguid, string name)
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey(Guid.Parse(aaguid));

        await RegisterAsync(user, key);

        Assert.Equal(name, Assert.Single(await PasskeysOfAsync(user.Id)).Name);
    }

    [Theory]
    [InlineData(AttestationStyle.None)]
    [InlineData(AttestationStyle.PackedSelf)]
    public async Task YubiKeyAaguidWithoutACertificate_IsNotProven(AttestationStyle attestation)
    {
        // Any software authenticator can claim a YubiKey's AAGUID; only Yubico's certificate proves it.
        using var key = new SoftwareAuthenticator(SoftwareAuthenticator.YubiKey5NfcAaguid) { Attestation = attestation };

        await AssertRegistrationRefusedAsync("passkey.attestation_unverified", key);
    }

    [Fact]
    public async Task YubiKeyAaguidCertifiedByAnotherCa_IsNotProven()
    {
        using var impostor = new AttestationCertificateAuthority("Impostor Root");
        using var key = SoftwareAuthenticator.YubiKey(impostor);

        await AssertRegistrationRefusedAsync("passkey.attestation_unverified", key);
    }

    [Fact]
    public async Task YubiKeyPolicy_WithTheMinimumRaisedTo57_RefusesThe52And54Series()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey(SoftwareAuthenticator.YubiKey5NfcAaguid);
        var start = await BeginRegistrationAsync(user);
        var response = key.CreateAttestationJson(start.OptionsJson, Origin);
        await using var scope = OpenScope();
        var service = Passkeys(scope, new PasskeyOptions { MinimumYubiKeyFirmware = "5.7.0" });

        var error = await AssertRefusedAsync("passkey.firmware_too_old", start,
            () => service.CompleteRegistrationAsync(Actors.Of(user), start.CeremonyId, user.Id, response));

        Assert.StartsWith("This YubiKey's firmware is older than 5.7.0.", error.Message, StringComparison.Ordinal);
    }

    private async Task<DomainError> AssertRegistrationRefusedAsync(string code, SoftwareAuthenticator key)
    {
        var user = await GivenUserAsync(UserState.ActiveDemo, password: true, totp: true);
        var start = await BeginRegistrationAsync(user);
        var response = key.CreateAttestationJson(start.OptionsJson, Origin);

        var error = await AssertRefusedAsync(code, start, () => CompleteRegistrationAsync(user, start, response));

        Assert.Empty(await PasskeysOfAsync(user.Id));
        Assert.True((await LoadUserAsync(user.Id)).HasPassword);
        return error;
    }
}

public sealed class PasskeyAuthenticatorPolicyTestsOnSqlite(SqliteDatabaseFixture fixture)
    : PasskeyAuthenticatorPolicyTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class PasskeyAuthenticatorPolicyTestsOnPostgres(PostgresDatabaseFixture fixture)
    : PasskeyAuthenticatorPolicyTests(fixture), IClassFixture<PostgresDatabaseFixture>;
