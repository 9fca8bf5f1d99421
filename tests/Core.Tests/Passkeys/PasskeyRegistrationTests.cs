using System.Data.Common;
using System.Text.Json;
using KeyPortal.Core.Passkeys;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KeyPortal.Core.Tests.Passkeys;

/// <summary>SPEC (Passwordless): registering a passkey, and what it does to the account.</summary>
public abstract class PasskeyRegistrationTests(DatabaseFixture fixture) : PasskeyDatabaseTests(fixture)
{
    [Fact]
    public async Task Register_YubiKey_StoresThePasskeyNamedAfterItsModel()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        key.InitialSignCount = 7;
        key.Transports = ["usb", "nfc"];
        var auditBefore = await LastAuditIdAsync();
        var start = await BeginRegistrationAsync(user);

        var credential = await CompleteRegistrationAsync(user, start, key.CreateAttestationJson(start.OptionsJson, Origin));

        var stored = Assert.Single(await PasskeysOfAsync(user.Id));
        Assert.Equal(credential.Id, stored.Id);
        Assert.Equal(key.Credentials.Single().Id, stored.CredentialId);
        Assert.Equal(key.Credentials.Single().CosePublicKey, stored.PublicKey);
        Assert.Equal(7u, stored.SignCount);
        Assert.Equal(SoftwareAuthenticator.YubiKey5NfcAaguid, stored.Aaguid);
        Assert.False(stored.BackupEligible);
        Assert.False(stored.BackedUp);
        Assert.Equal("usb,nfc", stored.Transports);
        Assert.Equal("packed", stored.AttestationFormat);
        Assert.Equal("YubiKey 5 NFC / 5C NFC", stored.Name);
        Assert.Equal(Clock.GetUtcNow(), stored.CreatedAt);
        Assert.Null(stored.LastUsedAt);
        Assert.False(await CeremonyExistsAsync(start.CeremonyId));

        var entry = Assert.Single(await AuditAboutAsync(user.Id, auditBefore));
        Assert.Equal(AuditActions.PasskeyRegistered, entry.Action);
        Assert.Equal(user.Id, entry.ActorUserId);
        Assert.Equal(Actors.OwnerAddress, entry.ClientAddress);
        Assert.Equal("YubiKey 5 NFC / 5C NFC", DetailOf(entry, "name"));
        Assert.Equal(SoftwareAuthenticator.YubiKey5NfcAaguid.ToString(), DetailOf(entry, "aaguid"));
        Assert.Equal("packed", DetailOf(entry, "attestationFormat"));
        Assert.Equal(Id(stored.CredentialId), DetailOf(entry, "credentialId"));
    }

    [Fact]
    public async Task Register_MoreKeysOfOneModel_NumbersTheirNames()
    {
        var user = await GivenUserAsync();
        using var first = GivenYubiKey();
        using var second = GivenYubiKey();
        using var third = GivenYubiKey();

        await RegisterAsync(user, first);
        await RegisterAsync(user, second);
        await RegisterAsync(user, third);

        Assert.Equal(
            ["YubiKey 5 NFC / 5C NFC", "YubiKey 5 NFC / 5C NFC (2)", "YubiKey 5 NFC / 5C NFC (3)"],
            (await PasskeysOfAsync(user.Id)).Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Register_NoTransportsReported_StoresNone()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        key.Transports = [];

        await RegisterAsync(user, key);

        Assert.Null(Assert.Single(await PasskeysOfAsync(user.Id)).Transports);
    }

    [Fact]
    public async Task BeginRegistration_YubiKeyPolicy_AsksForADiscoverableVerifiedAttestedSecurityKeyCredential()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(user, key);

        var start = await BeginRegistrationAsync(user);

        using var options = JsonDocument.Parse(start.OptionsJson);
        var root = options.RootElement;
        Assert.Equal("localhost", root.GetProperty("rp").GetProperty("id").GetString());
        Assert.Equal(Id(user.Id.ToByteArray()), root.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(user.Email, root.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal(user.Email, root.GetProperty("user").GetProperty("displayName").GetString());
        Assert.Equal("direct", root.GetProperty("attestation").GetString());
        var selection = root.GetProperty("authenticatorSelection");
        Assert.Equal("required", selection.GetProperty("residentKey").GetString());
        Assert.Equal("required", selection.GetProperty("userVerification").GetString());
        Assert.Equal("cross-platform", selection.GetProperty("authenticatorAttachment").GetString());
        Assert.Equal(["security-key"], root.GetProperty("hints").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal(-7, root.GetProperty("pubKeyCredParams")[0].GetProperty("alg").GetInt32());
        Assert.Equal(300_000, root.GetProperty("timeout").GetInt32());
        var excluded = Assert.Single(root.GetProperty("excludeCredentials").EnumerateArray());
        Assert.Equal(Id(key.Credentials.Single().Id), excluded.GetProperty("id").GetString());
        Assert.Equal(["usb", "nfc"], excluded.GetProperty("transports").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task BeginRegistration_DeviceBoundPolicy_AsksForNoAttestation()
    {
        Policy = AuthenticatorPolicyKind.DeviceBound;
        var user = await GivenUserAsync();

        var start = await BeginRegistrationAsync(user);

        using var options = JsonDocument.Parse(start.OptionsJson);
        Assert.Equal("none", options.RootElement.GetProperty("attestation").GetString());
        Assert.Empty(options.RootElement.GetProperty("hints").EnumerateArray());
    }

    [Fact]
    public async Task Register_KeyAlreadyHoldingOneOfTheUsersPasskeys_IsStoppedByExcludeCredentials()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        await RegisterAsync(user, key);
        var start = await BeginRegistrationAsync(user);

        // A real authenticator refuses (the browser reports InvalidStateError): nothing reaches the server.
        var refusal = Assert.Throws<InvalidOperationException>(() => key.CreateAttestationJson(start.OptionsJson, Origin));

        Assert.StartsWith("InvalidStateError", refusal.Message, StringComparison.Ordinal);
        Assert.Single(await PasskeysOfAsync(user.Id));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Register_CredentialIdAlreadyRegistered_IsRefused(bool sameUser)
    {
        var owner = await GivenUserAsync();
        using var original = GivenYubiKey();
        var registered = await RegisterAsync(owner, original);
        var user = sameUser ? owner : await GivenUserAsync();
        using var cloner = GivenYubiKey();
        var start = await BeginRegistrationAsync(user);
        var response = cloner.CreateAttestationJson(start.OptionsJson, Origin, credentialId: registered.CredentialId);

        await AssertRefusedAsync("passkey.already_registered", start, () => CompleteRegistrationAsync(user, start, response));
    }

    [Fact]
    public async Task Register_DemoModeOwnerWithPasswordAndTotp_DeletesThemAndActivatesInOneStep()
    {
        var user = await GivenUserAsync(UserState.ActiveDemo, password: true, totp: true);
        await using (var db = Database.CreateContext())
        {
            db.Set<Microsoft.AspNetCore.Identity.IdentityUserToken<Guid>>().Add(Token(user.Id, "Microsoft", "access_token", "kept"));
            await db.SaveChangesAsync();
        }

        using var key = GivenYubiKey();
        var auditBefore = await LastAuditIdAsync();

        await RegisterAsync(user, key);

        var after = await LoadUserAsync(user.Id);
        Assert.False(after.HasPassword);
        Assert.False(after.TwoFactorEnabled);
        Assert.Equal(UserState.Active, after.State);
        Assert.Equal(Clock.GetUtcNow(), after.StateChangedAt);
        Assert.NotEqual(user.SecurityStamp, after.SecurityStamp);
        Assert.Equal(["access_token"], (await TokensOfAsync(user.Id)).Select(t => t.Name));
        Assert.True(User.IsPasswordless(after.HasPassword, (await PasskeysOfAsync(user.Id)).Count));

        var entries = await AuditAboutAsync(user.Id, auditBefore);
        Assert.Equal(
            [AuditActions.PasswordRemoved, AuditActions.UserStateChanged, AuditActions.PasskeyRegistered],
            entries.Select(e => e.Action));
        Assert.Equal("True", JsonDocument.Parse(entries[0].Details).RootElement.GetProperty("totpRemoved").ToString());
        Assert.Equal(nameof(UserState.ActiveDemo), DetailOf(entries[1], "from"));
        Assert.Equal(nameof(UserState.Active), DetailOf(entries[1], "to"));
    }

    [Fact]
    public async Task Register_UserAlreadyLoadedInTheSameUnitOfWork_StillRemovesThePasswordAndActivates()
    {
        // As the IdP's endpoint does: it loads the signed-in user, then registers on the same context.
        var user = await GivenUserAsync(UserState.ActiveDemo, password: true, totp: true);
        using var key = GivenYubiKey();
        await using var scope = OpenScope();
        var loaded = await scope.Db.Users.SingleAsync(u => u.Id == user.Id);
        var passkeys = Passkeys(scope);
        var start = await passkeys.BeginRegistrationAsync(loaded);

        await passkeys.CompleteRegistrationAsync(Actors.Of(loaded), start.CeremonyId, loaded.Id, key.CreateAttestationJson(start.OptionsJson, Origin));

        var after = await LoadUserAsync(user.Id);
        Assert.False(after.HasPassword);
        Assert.Equal(UserState.Active, after.State);
        Assert.Single(await PasskeysOfAsync(user.Id));
    }

    [Theory]
    [InlineData(UserState.Pending)]
    [InlineData(UserState.Reset)]
    public async Task Register_AccountAwaitingItsPasskey_BecomesActive(UserState state)
    {
        var user = await GivenUserAsync(state);
        using var key = GivenYubiKey();
        var auditBefore = await LastAuditIdAsync();

        await RegisterAsync(user, key);

        Assert.Equal(UserState.Active, (await LoadUserAsync(user.Id)).State);
        Assert.Equal(
            [AuditActions.UserStateChanged, AuditActions.PasskeyRegistered],
            (await AuditAboutAsync(user.Id, auditBefore)).Select(e => e.Action));
    }

    [Fact]
    public async Task Register_ActiveUserWithoutPassword_AddsThePasskeyAndRotatesTheStamp()
    {
        var user = await GivenUserAsync(UserState.Active);
        using var key = GivenYubiKey();
        var auditBefore = await LastAuditIdAsync();

        await RegisterAsync(user, key);

        var after = await LoadUserAsync(user.Id);
        Assert.Equal(UserState.Active, after.State);
        // A new credential is a credential change: sessions made under the old stamp end.
        Assert.NotEqual(user.SecurityStamp, after.SecurityStamp);
        Assert.Equal([AuditActions.PasskeyRegistered], (await AuditAboutAsync(user.Id, auditBefore)).Select(e => e.Action));
    }

    [Fact]
    public async Task Register_WhenThePasskeyCannotBeStored_KeepsPasswordTotpAndState()
    {
        var user = await GivenUserAsync(UserState.ActiveDemo, password: true, totp: true);
        using var key = GivenYubiKey();
        var start = await BeginRegistrationAsync(user);
        var response = key.CreateAttestationJson(start.OptionsJson, Origin);
        var before = await PasskeySnapshotAsync();

        await using (var db = CreateContext(new FailPasskeyInsert()))
        {
            var service = Passkeys(db);
            await Assert.ThrowsAsync<DbUpdateException>(
                () => service.CompleteRegistrationAsync(Actors.Of(user), start.CeremonyId, user.Id, response));
        }

        Assert.Equal(before, await PasskeySnapshotAsync());
        var after = await LoadUserAsync(user.Id);
        Assert.True(after.HasPassword);
        Assert.True(after.TwoFactorEnabled);
        Assert.Equal(UserState.ActiveDemo, after.State);
        Assert.Equal(2, (await TokensOfAsync(user.Id)).Count);
    }

    [Theory]
    [InlineData(UserState.Suspended)]
    [InlineData(UserState.Deactivated)]
    public async Task BeginRegistration_SuspendedOrDeactivatedAccount_IsRefused(UserState state)
    {
        var user = await GivenUserAsync(state);

        await DomainAssert.RefusedAsync("passkey.registration_not_allowed", () => BeginRegistrationAsync(user));
    }

    [Fact]
    public async Task CompleteRegistration_AccountSuspendedMeanwhile_IsRefused()
    {
        var user = await GivenUserAsync();
        using var key = GivenYubiKey();
        var start = await BeginRegistrationAsync(user);
        await using (var scope = OpenScope())
        {
            await scope.Accounts.SuspendAsync(Actors.Operator, user.Id, "lost laptop");
        }

        var response = key.CreateAttestationJson(start.OptionsJson, Origin);

        await AssertRefusedAsync("passkey.registration_not_allowed", start, () => CompleteRegistrationAsync(user, start, response));
    }

    private PortalDbContext CreateContext(IInterceptor interceptor)
    {
        return Database.Provider switch
        {
            DatabaseProvider.Sqlite => new SqlitePortalDbContext(With<SqlitePortalDbContext>()),
            DatabaseProvider.Postgres => new PostgresPortalDbContext(With<PostgresPortalDbContext>()),
            _ => throw new InvalidOperationException($"Unknown provider {Database.Provider}."),
        };

        DbContextOptions<T> With<T>()
            where T : DbContext
        {
            var builder = new DbContextOptionsBuilder<T>();
            PersistenceServiceCollectionExtensions.Configure(builder, Database.Options);
            builder.AddInterceptors(interceptor);
            return builder.Options;
        }
    }

    /// <summary>Fails the command that inserts the passkey: whatever else the transaction wrote must go with it.</summary>
    private sealed class FailPasskeyInsert : DbCommandInterceptor
    {
        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
            Inserts(command) ? throw Failure() : ValueTask.FromResult(result);

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
            Inserts(command) ? throw Failure() : ValueTask.FromResult(result);

        private static bool Inserts(DbCommand command) =>
            command.CommandText.Contains("INSERT INTO", StringComparison.OrdinalIgnoreCase)
            && command.CommandText.Contains("passkey_credentials", StringComparison.Ordinal);

        private static DbUpdateException Failure() => new("Simulated failure while storing the passkey.");
    }
}

public sealed class PasskeyRegistrationTestsOnSqlite(SqliteDatabaseFixture fixture)
    : PasskeyRegistrationTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class PasskeyRegistrationTestsOnPostgres(PostgresDatabaseFixture fixture)
    : PasskeyRegistrationTests(fixture), IClassFixture<PostgresDatabaseFixture>;
