using System.Text.Json;
using KeyPortal.Core.Passkeys;

namespace KeyPortal.Core.Tests.Passkeys;

/// <summary>Signing in with a passkey (WebAuthn §7.2): who answered, the counter, and every refusal.</summary>
public abstract class PasskeyAssertionTests(DatabaseFixture fixture) : PasskeyDatabaseTests(fixture)
{
    [Fact]
    public async Task BeginAssertion_ForAUser_AllowsTheirPasskeysWithUserVerification()
    {
        var user = await GivenUserAsync();
        using var first = GivenYubiKey();
        using var second = GivenYubiKey();
        first.Transports = ["usb"];
        await RegisterAsync(user, first);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await RegisterAsync(user, second);

        var start = await BeginAssertionAsync(user);

        using var options = JsonDocument.Parse(start.OptionsJson);
        var root = options.RootElement;
        Assert.Equal("localhost", root.GetProperty("rpId").GetString());
        Assert.Equal("required", root.GetProperty("userVerification").GetString());
        Assert.Equal(["security-key"], root.GetProperty("hints").EnumerateArray().Select(h => h.GetString()));
        var allowed = root.GetProperty("allowCredentials").EnumerateArray().ToList();
        Assert.Equal([Id(first.Credentials[0].Id), Id(second.Credentials[0].Id)], allowed.Select(a => a.GetProperty("id").GetString()));
        Assert.Equal(["usb"], allowed[0].GetProperty("transports").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task SignIn_ForAUser_ReturnsThemAndRecordsTheUse()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        key.InitialSignCount = 41;
        var registered = await RegisterAsync(user, key);
        Clock.Advance(TimeSpan.FromHours(3));
        var start = await BeginAssertionAsync(user);

        var signIn = await CompleteAssertionAsync(start, key.CreateAssertionJson(start.OptionsJson, Origin));

        Assert.Equal(user.Id, signIn.User.Id);
        Assert.Equal(registered.Id, signIn.Credential.Id);
        Assert.Equal(42u, signIn.Credential.SignCount);
        var stored = Assert.Single(await PasskeysOfAsync(user.Id));
        Assert.Equal(42u, stored.SignCount);
        Assert.Equal(Clock.GetUtcNow(), stored.LastUsedAt);
        Assert.False(stored.BackedUp);
        Assert.False(await CeremonyExistsAsync(start.CeremonyId));
    }

    [Fact]
    public async Task SignIn_Discoverable_FindsTheOwnerOfTheChosenPasskey()
    {
        var alice = await GivenUserAsync();
        var bob = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(alice, key);
        var bobs = await RegisterAsync(bob, key);
        var start = await BeginAssertionAsync(null);

        var signIn = await CompleteAssertionAsync(start, key.CreateAssertionJson(start.OptionsJson, Origin));

        using var options = JsonDocument.Parse(start.OptionsJson);
        Assert.Empty(options.RootElement.GetProperty("allowCredentials").EnumerateArray());
        Assert.Equal("required", options.RootElement.GetProperty("userVerification").GetString());
        Assert.Equal(bob.Id, signIn.User.Id);
        Assert.Equal(bobs.Id, signIn.Credential.Id);
    }

    [Fact]
    public async Task SignIn_WithoutUserHandle_ResolvesTheUserFromTheCredential()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(user, key);
        var start = await BeginAssertionAsync(null);

        var signIn = await CompleteAssertionAsync(start, key.CreateAssertionJson(start.OptionsJson, Origin, includeUserHandle: false));

        Assert.Equal(user.Id, signIn.User.Id);
    }

    [Fact]
    public async Task SignIn_AuthenticatorThatNeverCounts_IsAcceptedEveryTime()
    {
        Policy = AuthenticatorPolicyKind.Any;
        var user = await GivenUserAsync();
        using var key = new SoftwareAuthenticator(Guid.NewGuid()) { SignCountStep = 0, BackupEligible = true, BackedUp = true };
        await RegisterAsync(user, key);

        for (var i = 0; i < 3; i++)
        {
            var start = await BeginAssertionAsync(user);
            var signIn = await CompleteAssertionAsync(start, key.CreateAssertionJson(start.OptionsJson, Origin));
            Assert.Equal(0u, signIn.Credential.SignCount);
            Assert.True(signIn.Credential.BackedUp);
        }
    }

    [Fact]
    public async Task SignIn_DoesNotJudgeTheAccountState()
    {
        // The sign-in layer refuses suspended accounts with the same message as any other failure.
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(user, key);
        await using (var scope = OpenScope())
        {
            await scope.Accounts.SuspendAsync(Actors.Operator, user.Id, "investigation");
        }

        var start = await BeginAssertionAsync(null);
        var signIn = await CompleteAssertionAsync(start, key.CreateAssertionJson(start.OptionsJson, Origin));

        Assert.Equal(UserState.Suspended, signIn.User.State);
    }

    [Theory]
    [InlineData(5u)]
    [InlineData(4u)]
    [InlineData(0u)]
    public async Task SignIn_CounterNotAboveTheStoredOne_IsRefusedAndAudited(uint presented)
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        key.InitialSignCount = 4;
        var registered = await RegisterAsync(user, key);
        var first = await BeginAssertionAsync(user);
        await CompleteAssertionAsync(first, key.CreateAssertionJson(first.OptionsJson, Origin));
        var auditBefore = await LastAuditIdAsync();
        var start = await BeginAssertionAsync(user);
        var replayed = key.CreateAssertionJson(start.OptionsJson, Origin, signCount: presented);
        var passkeysBefore = await PasskeysOfAsync(user.Id);

        await DomainAssert.RefusedAsync("passkey.sign_count_regressed", () => CompleteAssertionAsync(start, replayed));

        Assert.Equivalent(passkeysBefore, await PasskeysOfAsync(user.Id), strict: true);
        var entry = Assert.Single(await AuditAboutAsync(user.Id, auditBefore));
        Assert.Equal(AuditActions.PasskeySignCountRegressed, entry.Action);
        Assert.Null(entry.ActorUserId);
        Assert.Equal(SignInActor.ClientAddress, entry.ClientAddress);
        using var details = JsonDocument.Parse(entry.Details);
        Assert.Equal(Id(registered.CredentialId), details.RootElement.GetProperty("credentialId").GetString());
        Assert.Equal(5u, details.RootElement.GetProperty("storedCount").GetUInt32());
        Assert.Equal(presented, details.RootElement.GetProperty("presentedCount").GetUInt32());
        Assert.False(await CeremonyExistsAsync(start.CeremonyId));
    }

    [Fact]
    public async Task SignIn_WithAnotherUsersPasskey_WhenTheCeremonyIsForAUser_IsRefused()
    {
        var alice = await GivenUserAsync();
        var mallory = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(alice, key);
        var mallorys = await RegisterAsync(mallory, key);
        var start = await BeginAssertionAsync(alice);
        // A real key would answer with Alice's credential; a tampering client picks Mallory's.
        var response = key.CreateAssertionJson(start.OptionsJson, Origin, credentialId: mallorys.CredentialId);

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteAssertionAsync(start, response));
    }

    [Fact]
    public async Task SignIn_ClaimingAnotherUsersHandle_IsRefused()
    {
        var alice = await GivenUserAsync();
        var mallory = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(mallory, key);
        var start = await BeginAssertionAsync(null);
        var response = key.CreateAssertionJson(start.OptionsJson, Origin, userHandle: PasskeyService.UserHandleOf(alice.Id));

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteAssertionAsync(start, response));
    }

    [Fact]
    public async Task SignIn_WithAForgedSignature_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(user, key);
        var start = await BeginAssertionAsync(user);
        var response = key.CreateAssertionJson(start.OptionsJson, Origin, forgeSignature: true);

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteAssertionAsync(start, response));
    }

    [Fact]
    public async Task SignIn_WithAnUnregisteredPasskey_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        var abandoned = await BeginRegistrationAsync(user);
        key.CreateAttestationJson(abandoned.OptionsJson, Origin); // made on the key, never sent to the server
        var start = await BeginAssertionAsync(null);
        var response = key.CreateAssertionJson(start.OptionsJson, Origin);

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteAssertionAsync(start, response));
    }

    [Fact]
    public async Task SignIn_WithoutUserVerification_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(user, key);
        key.UserVerified = false;
        var start = await BeginAssertionAsync(user);
        var response = key.CreateAssertionJson(start.OptionsJson, Origin);

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteAssertionAsync(start, response));
    }

    [Fact]
    public async Task SignIn_KeyHoldingNoneOfTheAllowedCredentials_CannotAnswer()
    {
        var alice = await GivenUserAsync();
        var bob = await GivenUserAsync();
        using var alicesKey = GivenYubiKey();
        using var bobsKey = GivenYubiKey();
        await RegisterAsync(alice, alicesKey);
        await RegisterAsync(bob, bobsKey);
        var start = await BeginAssertionAsync(alice);

        var refusal = Assert.Throws<InvalidOperationException>(() => bobsKey.CreateAssertionJson(start.OptionsJson, Origin));

        Assert.StartsWith("NotAllowedError", refusal.Message, StringComparison.Ordinal);
    }
}

public sealed class PasskeyAssertionTestsOnSqlite(SqliteDatabaseFixture fixture)
    : PasskeyAssertionTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class PasskeyAssertionTestsOnPostgres(PostgresDatabaseFixture fixture)
    : PasskeyAssertionTests(fixture), IClassFixture<PostgresDatabaseFixture>;
