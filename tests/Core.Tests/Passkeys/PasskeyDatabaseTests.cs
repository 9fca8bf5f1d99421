using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KeyPortal.Core.Passkeys;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Tests.Passkeys;

/// <summary>
/// Base of the passkey suites: a <see cref="PasskeyService"/> per scope as the IdP gets it (real
/// Fido2, the embedded authenticator metadata), except that a test CA stands in for Yubico's
/// attestation roots, so software authenticators can attest like YubiKeys.
/// </summary>
public abstract class PasskeyDatabaseTests(DatabaseFixture fixture) : DatabaseTests(fixture), IDisposable
{
    protected const string Origin = "http://localhost:5000";

    private static readonly IReadOnlyList<AuthenticatorModel> EmbeddedModels = AuthenticatorCatalog.LoadEmbeddedModels();

    /// <summary>Trusted like Yubico's roots by <see cref="Passkeys"/>.</summary>
    protected AttestationCertificateAuthority TestYubico { get; } = new("KeyPortal Test Yubico Root");

    /// <summary>The policy of the services <see cref="Passkeys"/> makes; YubiKey unless a test says otherwise.</summary>
    protected AuthenticatorPolicyKind Policy { get; set; } = AuthenticatorPolicyKind.YubiKey;

    protected PasskeyOptions CurrentOptions => new() { Policy = Policy };

    public void Dispose()
    {
        TestYubico.Dispose();
        GC.SuppressFinalize(this);
    }

    protected PasskeyService Passkeys(CoreScope scope, PasskeyOptions? options = null) => Passkeys(scope.Db, options);

    /// <summary>The service over <paramref name="db"/>, with <see cref="CurrentOptions"/> unless <paramref name="options"/> are given.</summary>
    protected PasskeyService Passkeys(PortalDbContext db, PasskeyOptions? options = null)
    {
        var configured = Options.Create(options ?? CurrentOptions);
        var catalog = new AuthenticatorCatalog(EmbeddedModels, [TestYubico.Root]);
        return new PasskeyService(
            db,
            PasskeyServiceCollectionExtensions.CreateFido2(configured.Value),
            new AuthenticatorPolicy(catalog, Clock, configured),
            catalog,
            new AuditTrail(db, Clock),
            Clock,
            configured);
    }

    /// <summary>A YubiKey 5 NFC (firmware 5.2/5.4) attesting with the test root.</summary>
    protected SoftwareAuthenticator GivenYubiKey(Guid? aaguid = null) => SoftwareAuthenticator.YubiKey(TestYubico, aaguid);

    /// <summary>A member of a new organization in <paramref name="state"/>, optionally with a password and TOTP (key and recovery codes).</summary>
    protected async Task<User> GivenUserAsync(UserState state = UserState.Active, bool password = false, bool totp = false)
    {
        var organization = await GivenOrganizationAsync();
        var user = await Members.AddAsync(organization.Id, MemberRoles.Owner, state == UserState.Deactivated ? UserState.Active : state);
        if (state == UserState.Deactivated)
        {
            // Deactivated means removed from every organization; only a removal leads there.
            await Members.AddAsync(organization.Id, MemberRoles.Owner);
            await using var scope = OpenScope();
            await scope.Memberships.RemoveMemberAsync(Actors.Operator, organization.Id, user.Id);
        }

        if (password || totp)
        {
            await using var db = Database.CreateContext();
            var stored = await db.Users.SingleAsync(u => u.Id == user.Id);
            stored.PasswordHash = password ? new PasswordHasher<User>().HashPassword(stored, "correct horse battery staple") : null;
            stored.TwoFactorEnabled = totp;
            if (totp)
            {
                db.Set<IdentityUserToken<Guid>>().AddRange(
                    Token(user.Id, "[AspNetUserStore]", "AuthenticatorKey", "JBSWY3DPEHPK3PXP"),
                    Token(user.Id, "[AspNetUserStore]", "RecoveryCodes", "aaaa-bbbb;cccc-dddd"));
            }

            await db.SaveChangesAsync();
        }

        return await LoadUserAsync(user.Id);
    }

    protected static IdentityUserToken<Guid> Token(Guid userId, string provider, string name, string value) =>
        new() { UserId = userId, LoginProvider = provider, Name = name, Value = value };

    protected async Task<CeremonyStart> BeginRegistrationAsync(User user)
    {
        await using var scope = OpenScope();
        return await Passkeys(scope).BeginRegistrationAsync(user);
    }

    protected async Task<PasskeyCredential> CompleteRegistrationAsync(User user, CeremonyStart start, string responseJson)
    {
        await using var scope = OpenScope();
        return await Passkeys(scope).CompleteRegistrationAsync(Actors.Of(user), start.CeremonyId, user.Id, responseJson);
    }

    /// <summary>Registers a passkey on <paramref name="authenticator"/> as the browser would.</summary>
    protected async Task<PasskeyCredential> RegisterAsync(User user, SoftwareAuthenticator authenticator)
    {
        var start = await BeginRegistrationAsync(user);
        return await CompleteRegistrationAsync(user, start, authenticator.CreateAttestationJson(start.OptionsJson, Origin));
    }

    protected async Task<CeremonyStart> BeginAssertionAsync(User? user)
    {
        await using var scope = OpenScope();
        return await Passkeys(scope).BeginAssertionAsync(user);
    }

    protected async Task<PasskeySignIn> CompleteAssertionAsync(CeremonyStart start, string responseJson)
    {
        await using var scope = OpenScope();
        return await Passkeys(scope).CompleteAssertionAsync(SignInActor, start.CeremonyId, responseJson);
    }

    /// <summary>Who signs in: nobody yet, from a browser's address.</summary>
    protected static AuditActor SignInActor { get; } = new(null, "anonymous", "192.0.2.44");

    protected async Task<List<PasskeyCredential>> PasskeysOfAsync(Guid userId)
    {
        await using var db = Database.CreateContext();
        return await db.PasskeyCredentials.AsNoTracking().Where(p => p.UserId == userId).OrderBy(p => p.CreatedAt).ThenBy(p => p.Name).ToListAsync();
    }

    protected async Task<List<IdentityUserToken<Guid>>> TokensOfAsync(Guid userId)
    {
        await using var db = Database.CreateContext();
        return await db.Set<IdentityUserToken<Guid>>().AsNoTracking().Where(t => t.UserId == userId).OrderBy(t => t.Name).ToListAsync();
    }

    protected async Task<bool> CeremonyExistsAsync(Guid ceremonyId)
    {
        await using var db = Database.CreateContext();
        return await db.WebAuthnCeremonies.AnyAsync(c => c.Id == ceremonyId);
    }

    /// <summary>
    /// Every row a passkey operation may write, except ceremonies: passkeys, the account columns
    /// involved (state, stamps, password, TOTP), Identity tokens, and the audit trail.
    /// </summary>
    protected async Task<string> PasskeySnapshotAsync()
    {
        await using var db = Database.CreateContext();
        var passkeys = await db.PasskeyCredentials.AsNoTracking().OrderBy(p => p.Id)
            .Select(p => new { p.Id, p.UserId, p.CredentialId, p.SignCount, p.BackedUp, p.LastUsedAt, p.Name })
            .ToListAsync();
        var users = await db.Users.AsNoTracking().OrderBy(u => u.Id)
            .Select(u => new { u.Id, u.State, u.SecurityStamp, u.ConcurrencyStamp, u.PasswordHash, u.TwoFactorEnabled })
            .ToListAsync();
        var tokens = await db.Set<IdentityUserToken<Guid>>().AsNoTracking().OrderBy(t => t.UserId).ThenBy(t => t.Name)
            .Select(t => new { t.UserId, t.LoginProvider, t.Name, t.Value })
            .ToListAsync();
        var audit = await db.AuditEntries.AsNoTracking().OrderBy(a => a.Id).Select(a => new { a.Id, a.Action }).ToListAsync();
        return JsonSerializer.Serialize(new { passkeys, users, tokens, audit });
    }

    /// <summary>
    /// Asserts the refusal by <paramref name="code"/> and that nothing changed but the ceremony,
    /// which is consumed (or, when <paramref name="ceremonyConsumed"/> is false, still there).
    /// </summary>
    protected async Task<DomainError> AssertRefusedAsync(string code, CeremonyStart start, Func<Task> action, bool ceremonyConsumed = true)
    {
        var before = await PasskeySnapshotAsync();
        var error = await DomainAssert.RefusedAsync(code, action);
        Assert.Equal(before, await PasskeySnapshotAsync());
        Assert.Equal(!ceremonyConsumed, await CeremonyExistsAsync(start.CeremonyId));
        return error;
    }

    /// <summary>The options JSON with one member replaced, as a tampering script would send it to the authenticator.</summary>
    protected static string WithMember(string optionsJson, string name, JsonNode? value)
    {
        var options = JsonNode.Parse(optionsJson)!.AsObject();
        options[name] = value;
        return options.ToJsonString();
    }

    protected static string Id(byte[] credentialId) => Base64Url.EncodeToString(credentialId);
}
