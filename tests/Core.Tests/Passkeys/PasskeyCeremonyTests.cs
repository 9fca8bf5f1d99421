using System.Text.Json.Nodes;
using KeyPortal.Core.Passkeys;

namespace KeyPortal.Core.Tests.Passkeys;

/// <summary>
/// A ceremony answers once, within its lifetime, for its own user, and only with a response made
/// for its challenge on one of our origins (WebAuthn §7.1, §13.4.3).
/// </summary>
public abstract class PasskeyCeremonyTests(DatabaseFixture fixture) : PasskeyDatabaseTests(fixture)
{
    [Fact]
    public async Task BeginRegistration_StoresTheCeremonyUntilItsLifetimeEnds()
    {
        var user = await GivenUserAsync();

        var start = await BeginRegistrationAsync(user);

        await using var db = Database.CreateContext();
        var ceremony = await db.WebAuthnCeremonies.AsNoTracking().SingleAsync(c => c.Id == start.CeremonyId);
        Assert.Equal(WebAuthnCeremonyKind.Registration, ceremony.Kind);
        Assert.Equal(user.Id, ceremony.UserId);
        Assert.Equal(start.OptionsJson, ceremony.OptionsJson);
        Assert.Equal(Clock.GetUtcNow(), ceremony.CreatedAt);
        Assert.Equal(Clock.GetUtcNow() + TimeSpan.FromMinutes(5), ceremony.ExpiresAt);
    }

    [Fact]
    public async Task CompleteRegistration_SameCeremonyAgain_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        var start = await BeginRegistrationAsync(user);
        var response = key.CreateAttestationJson(start.OptionsJson, Origin);
        await CompleteRegistrationAsync(user, start, response);

        await AssertRefusedAsync("passkey.ceremony_invalid", start, () => CompleteRegistrationAsync(user, start, response));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(60)]
    public async Task CompleteRegistration_AfterTheCeremonyExpired_IsRefused(int secondsLate)
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        var start = await BeginRegistrationAsync(user);
        var response = key.CreateAttestationJson(start.OptionsJson, Origin);
        Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(secondsLate));

        await AssertRefusedAsync("passkey.ceremony_invalid", start, () => CompleteRegistrationAsync(user, start, response), ceremonyConsumed: false);
    }

    [Fact]
    public async Task CompleteRegistration_JustBeforeExpiry_Succeeds()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        var start = await BeginRegistrationAsync(user);
        var response = key.CreateAttestationJson(start.OptionsJson, Origin);
        Clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));

        await CompleteRegistrationAsync(user, start, response);

        Assert.Single(await PasskeysOfAsync(user.Id));
    }

    [Fact]
    public async Task BeginRegistration_SweepsExpiredCeremonies()
    {
        var user = await GivenUserAsync();
        var old = await BeginRegistrationAsync(user);
        Clock.Advance(TimeSpan.FromMinutes(6));

        await BeginRegistrationAsync(user);

        Assert.False(await CeremonyExistsAsync(old.CeremonyId));
    }

    [Fact]
    public async Task CompleteRegistration_CeremonyOfAnotherUser_IsRefusedWithoutSpoilingIt()
    {
        var owner = await GivenUserAsync();
        var intruder = await GivenUserAsync();
        using var key = GivenYubiKey();
        var start = await BeginRegistrationAsync(owner);
        var response = key.CreateAttestationJson(start.OptionsJson, Origin);

        await AssertRefusedAsync("passkey.ceremony_invalid", start, () => CompleteRegistrationAsync(intruder, start, response), ceremonyConsumed: false);

        await CompleteRegistrationAsync(owner, start, response);
        Assert.Single(await PasskeysOfAsync(owner.Id));
        Assert.Empty(await PasskeysOfAsync(intruder.Id));
    }

    [Fact]
    public async Task CompleteRegistration_UnknownCeremony_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        var start = await BeginRegistrationAsync(user);
        var unknown = start with { CeremonyId = Guid.NewGuid() };
        var response = key.CreateAttestationJson(start.OptionsJson, Origin);

        await AssertRefusedAsync("passkey.ceremony_invalid", unknown, () => CompleteRegistrationAsync(user, unknown, response));
    }

    [Fact]
    public async Task CompleteRegistration_WithAnAssertionCeremony_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        var registration = await BeginRegistrationAsync(user);
        var assertion = await BeginAssertionAsync(user);
        var response = key.CreateAttestationJson(registration.OptionsJson, Origin);

        await AssertRefusedAsync("passkey.ceremony_invalid", assertion, () => CompleteRegistrationAsync(user, assertion, response), ceremonyConsumed: false);
    }

    [Fact]
    public async Task CompleteAssertion_WithARegistrationCeremony_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(user, key);
        var registration = await BeginRegistrationAsync(user);
        var assertion = await BeginAssertionAsync(user);
        var response = key.CreateAssertionJson(assertion.OptionsJson, Origin);

        await AssertRefusedAsync("passkey.ceremony_invalid", registration, () => CompleteAssertionAsync(registration, response), ceremonyConsumed: false);
    }

    [Fact]
    public async Task CompleteRegistration_FromAnotherOrigin_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        var start = await BeginRegistrationAsync(user);
        var response = key.CreateAttestationJson(start.OptionsJson, "https://evil.example");

        var error = await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteRegistrationAsync(user, start, response));

        Assert.DoesNotContain("evil", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteRegistration_ForAnotherChallenge_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        var start = await BeginRegistrationAsync(user);
        var other = await BeginRegistrationAsync(user);
        var response = key.CreateAttestationJson(WithMember(start.OptionsJson, "challenge", JsonValue.Create(ChallengeOf(other))), Origin);

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteRegistrationAsync(user, start, response));
    }

    [Fact]
    public async Task CompleteRegistration_ForAnotherRelyingParty_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        var start = await BeginRegistrationAsync(user);
        var response = key.CreateAttestationJson(
            WithMember(start.OptionsJson, "rp", new JsonObject { ["id"] = "evil.example", ["name"] = "Evil" }), Origin);

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteRegistrationAsync(user, start, response));
    }

    [Fact]
    public async Task CompleteRegistration_WithoutUserVerification_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        key.UserVerified = false;
        var start = await BeginRegistrationAsync(user);
        var response = key.CreateAttestationJson(start.OptionsJson, Origin);

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteRegistrationAsync(user, start, response));
    }

    [Fact]
    public async Task CompleteRegistration_WithoutUserPresence_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        key.UserPresent = false;
        var start = await BeginRegistrationAsync(user);
        var response = key.CreateAttestationJson(start.OptionsJson, Origin);

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteRegistrationAsync(user, start, response));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("""{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}""")]
    [InlineData("""{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"!!","attestationObject":"oA"}}""")]
    [InlineData("""{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"/w","transports":["cable"]}}""")]
    public async Task CompleteRegistration_MalformedResponse_IsRefused(string responseJson)
    {
        var user = await GivenUserAsync();
        var start = await BeginRegistrationAsync(user);

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteRegistrationAsync(user, start, responseJson));
    }

    [Fact]
    public async Task CompleteRegistration_TamperedAttestationObject_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        var start = await BeginRegistrationAsync(user);
        var response = JsonNode.Parse(key.CreateAttestationJson(start.OptionsJson, Origin))!;
        var attestationObject = System.Buffers.Text.Base64Url.DecodeFromChars(response["response"]!["attestationObject"]!.GetValue<string>());
        attestationObject[^1] ^= 0x01;
        response["response"]!["attestationObject"] = Id(attestationObject);

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteRegistrationAsync(user, start, response.ToJsonString()));
    }

    [Fact]
    public async Task CompleteAssertion_SameCeremonyAgain_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(user, key);
        var start = await BeginAssertionAsync(user);
        var response = key.CreateAssertionJson(start.OptionsJson, Origin);
        await CompleteAssertionAsync(start, response);

        await AssertRefusedAsync("passkey.ceremony_invalid", start, () => CompleteAssertionAsync(start, response));
    }

    [Fact]
    public async Task CompleteAssertion_AfterTheCeremonyExpired_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(user, key);
        var start = await BeginAssertionAsync(null);
        var response = key.CreateAssertionJson(start.OptionsJson, Origin);
        Clock.Advance(TimeSpan.FromMinutes(5));

        await AssertRefusedAsync("passkey.ceremony_invalid", start, () => CompleteAssertionAsync(start, response), ceremonyConsumed: false);
    }

    [Fact]
    public async Task CompleteAssertion_FromAnotherOrigin_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(user, key);
        var start = await BeginAssertionAsync(user);
        var response = key.CreateAssertionJson(start.OptionsJson, "https://localhost.evil.example");

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteAssertionAsync(start, response));
    }

    [Fact]
    public async Task CompleteAssertion_ForAnotherChallenge_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(user, key);
        var start = await BeginAssertionAsync(user);
        var other = await BeginAssertionAsync(user);
        var response = key.CreateAssertionJson(WithMember(start.OptionsJson, "challenge", JsonValue.Create(ChallengeOf(other))), Origin);

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteAssertionAsync(start, response));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"}}""")]
    public async Task CompleteAssertion_MalformedResponse_IsRefused(string responseJson)
    {
        var start = await BeginAssertionAsync(null);

        await AssertRefusedAsync("passkey.verification_failed", start, () => CompleteAssertionAsync(start, responseJson));
    }

    /// <summary>Twenty requests racing with one ceremony and one valid response: the ceremony answers once.</summary>
    [Fact]
    public async Task CompleteAssertion_TwentyAtOnceWithOneCeremony_ExactlyOneSucceeds()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(user, key);
        var start = await BeginAssertionAsync(user);
        var response = key.CreateAssertionJson(start.OptionsJson, Origin);

        var outcomes = await RunTogetherAsync(Enumerable.Range(0, 20)
            .Select(_ => (Func<CoreScope, Task<PasskeySignIn>>)(scope => Passkeys(scope).CompleteAssertionAsync(SignInActor, start.CeremonyId, response)))
            .ToArray());

        Assert.Single(outcomes, o => o.Succeeded);
        Assert.All(outcomes.Where(o => !o.Succeeded), o => Assert.Equal("passkey.ceremony_invalid", o.Refusal?.Code));
        Assert.Equal(1u, Assert.Single(await PasskeysOfAsync(user.Id)).SignCount);
        Assert.False(await CeremonyExistsAsync(start.CeremonyId));
    }

    /// <summary>The same for registration: one passkey, one password removal, one state change.</summary>
    [Fact]
    public async Task CompleteRegistration_TwentyAtOnceWithOneCeremony_ExactlyOneSucceeds()
    {
        var user = await GivenUserAsync(UserState.ActiveDemo, password: true);
        using var key = GivenYubiKey();
        var start = await BeginRegistrationAsync(user);
        var response = key.CreateAttestationJson(start.OptionsJson, Origin);
        var auditBefore = await LastAuditIdAsync();

        var outcomes = await RunTogetherAsync(Enumerable.Range(0, 20)
            .Select(_ => (Func<CoreScope, Task<PasskeyCredential>>)(scope =>
                Passkeys(scope).CompleteRegistrationAsync(Actors.Of(user), start.CeremonyId, user.Id, response)))
            .ToArray());

        Assert.Single(outcomes, o => o.Succeeded);
        Assert.Single(await PasskeysOfAsync(user.Id));
        Assert.Equal(
            [AuditActions.PasswordRemoved, AuditActions.UserStateChanged, AuditActions.PasskeyRegistered],
            (await AuditAboutAsync(user.Id, auditBefore)).Select(e => e.Action));
    }

    private static string ChallengeOf(CeremonyStart start) => JsonNode.Parse(start.OptionsJson)!["challenge"]!.GetValue<string>();
}

public sealed class PasskeyCeremonyTestsOnSqlite(SqliteDatabaseFixture fixture)
    : PasskeyCeremonyTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class PasskeyCeremonyTestsOnPostgres(PostgresDatabaseFixture fixture)
    : PasskeyCeremonyTests(fixture), IClassFixture<PostgresDatabaseFixture>;
