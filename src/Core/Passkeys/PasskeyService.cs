using System.Buffers.Binary;
using System.Buffers.Text;
using System.Formats.Cbor;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Fido2NetLib;
using Fido2NetLib.Exceptions;
using Fido2NetLib.Objects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Passkeys;

/// <summary>A started WebAuthn ceremony: its id, to finish it with, and the options for the browser.</summary>
/// <param name="OptionsJson">
/// Fido2's <c>ToJson()</c> of the options, ready for <c>PublicKeyCredential.parseCreationOptionsFromJSON</c>
/// or <c>parseRequestOptionsFromJSON</c>.
/// </param>
public sealed record CeremonyStart(Guid CeremonyId, string OptionsJson);

/// <summary>A verified assertion: whose passkey answered, and the passkey as updated.</summary>
public sealed record PasskeySignIn(User User, PasskeyCredential Credential);

/// <summary>
/// Registers passkeys and verifies sign-ins with them (WebAuthn Level 3, through Fido2).
/// A ceremony's options live in the database until it is finished or expires, so any instance
/// can finish it; finishing consumes it first, so a ceremony answers at most once.
/// Every refusal is a <see cref="DomainException"/>; what exactly failed goes to the log only.
/// </summary>
public sealed partial class PasskeyService(
    PortalDbContext db,
    IFido2 fido2,
    AuthenticatorPolicy policy,
    AuthenticatorCatalog catalog,
    AuditTrail audit,
    TimeProvider clock,
    IOptions<PasskeyOptions> options,
    ILogger<PasskeyService>? logger = null)
{
    private const int MaxNameLength = 64;

    private static readonly (AuthenticatorTransport Transport, string Name)[] TransportNames =
    [
        (AuthenticatorTransport.Usb, "usb"),
        (AuthenticatorTransport.Nfc, "nfc"),
        (AuthenticatorTransport.Ble, "ble"),
        (AuthenticatorTransport.SmartCard, "smart-card"),
        (AuthenticatorTransport.Hybrid, "hybrid"),
        (AuthenticatorTransport.Internal, "internal"),
    ];

    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <summary>The WebAuthn user handle of a user: the 16 bytes of the user's id (no personal data, WebAuthn §14.6.1).</summary>
    public static byte[] UserHandleOf(Guid userId) => userId.ToByteArray();

    /// <summary>
    /// Starts registering a passkey for <paramref name="user"/>: a discoverable credential
    /// (resident key required) with user verification, never one of the user's existing passkeys
    /// again (excludeCredentials), and with direct attestation under the YubiKey policy.
    /// </summary>
    public async Task<CeremonyStart> BeginRegistrationAsync(User user, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        EnsureMayRegister(user);
        var existing = await DescriptorsOfAsync(user.Id, ct);
        var create = fido2.RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = UserHandleOf(user.Id), Name = EmailOf(user), DisplayName = EmailOf(user) },
            ExcludeCredentials = existing,
            AuthenticatorSelection = new AuthenticatorSelection
            {
                ResidentKey = ResidentKeyRequirement.Required,
                UserVerification = UserVerificationRequirement.Required,
            },
            // Only the YubiKey policy needs to see the attestation; asking for it elsewhere
            // would make browsers show a privacy prompt for nothing.
            AttestationPreference = policy.Kind == AuthenticatorPolicyKind.YubiKey
                ? AttestationConveyancePreference.Direct
                : AttestationConveyancePreference.None,
            Extensions = new AuthenticationExtensionsClientInputs { CredProps = true },
            // ES256 first: every YubiKey 5 supports it, and an authenticator takes the first it knows.
            PubKeyCredParams = [PubKeyCredParam.ES256, PubKeyCredParam.Ed25519, PubKeyCredParam.RS256],
        });
        if (policy.Kind == AuthenticatorPolicyKind.YubiKey)
        {
            // Sends the browser straight to "insert your security key" (and sets cross-platform attachment).
            create.Hints = [PublicKeyCredentialHint.SecurityKey];
        }

        return await StartCeremonyAsync(WebAuthnCeremonyKind.Registration, user.Id, create.ToJson(), ct);
    }

    /// <summary>
    /// Finishes a registration begun for <paramref name="userId"/>: verifies the browser's
    /// <c>PublicKeyCredential.toJSON()</c>, applies the authenticator policy and stores the
    /// passkey. In the same transaction a password (and its TOTP) is deleted, since SPEC makes a
    /// passkey replace it, and a Pending, demo-mode or Reset account becomes Active.
    /// </summary>
    public Task<PasskeyCredential> CompleteRegistrationAsync(
        AuditActor actor, Guid ceremonyId, Guid userId, string responseJson, CancellationToken ct = default) =>
        CompleteRegistrationAsync(actor, ceremonyId, userId, responseJson, keepSessionId: null, ct);

    /// <param name="keepSessionId">The signed-in session that registers the key, which goes on; every other one ends.</param>
    public async Task<PasskeyCredential> CompleteRegistrationAsync(
        AuditActor actor, Guid ceremonyId, Guid userId, string responseJson, Guid? keepSessionId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(responseJson);
        var ceremony = await ConsumeCeremonyAsync(ceremonyId, WebAuthnCeremonyKind.Registration, userId, ct);
        var response = Parse<AuthenticatorAttestationRawResponse>(ceremonyId, responseJson, r => r.Response is not null);

        RegisteredPublicKeyCredential registered;
        try
        {
            registered = await fido2.MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = response,
                OriginalOptions = CredentialCreateOptions.FromJson(ceremony.OptionsJson),
                // Unique across all users, not only this one: a credential id names one key pair.
                IsCredentialIdUniqueToUserCallback = async (candidate, token) =>
                    !await db.PasskeyCredentials.AnyAsync(p => p.CredentialId == candidate.CredentialId, token),
            }, ct);
        }
        catch (Fido2VerificationException exception) when (exception.Code == Fido2ErrorCode.NonUniqueCredentialId)
        {
            LogRefused(_logger, ceremonyId, exception.Code.ToString(), exception.Message);
            throw new DomainException(DomainErrors.PasskeyAlreadyRegistered);
        }
        catch (Exception exception) when (IsRejectedResponse(exception))
        {
            LogRefused(_logger, ceremonyId, CodeOf(exception), exception.Message);
            throw new DomainException(DomainErrors.PasskeyVerificationFailed);
        }

        policy.EnsureAllowed(registered);
        try
        {
            return await db.InTransactionAsync(token => StoreAsync(actor, userId, registered, keepSessionId, token), ct);
        }
        catch (DbUpdateException exception) when (DatabaseErrors.IsUniqueViolation(exception))
        {
            // The same credential id was stored by a concurrent registration after our check.
            throw new DomainException(DomainErrors.PasskeyAlreadyRegistered);
        }
    }

    /// <summary>
    /// Starts a sign-in: for <paramref name="user"/> (allowCredentials = their passkeys) or, when
    /// null, for whoever answers with a discoverable passkey (empty allowCredentials). User
    /// verification (PIN or fingerprint) is required either way.
    /// </summary>
    public Task<CeremonyStart> BeginAssertionAsync(User? user, CancellationToken ct = default) => BeginAssertionAsync(user, decoys: null, ct);

    /// <summary>
    /// Sign-in options: <paramref name="user"/>'s credentials, or <paramref name="decoys"/> for an
    /// address without any, serialized by the same code so the two cannot be told apart.
    /// </summary>
    public async Task<CeremonyStart> BeginAssertionAsync(User? user, IReadOnlyList<PublicKeyCredentialDescriptor>? decoys, CancellationToken ct = default)
    {
        IReadOnlyList<PublicKeyCredentialDescriptor> allowed = user is null ? decoys ?? [] : await DescriptorsOfAsync(user.Id, ct);
        var assertion = fido2.GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = allowed,
            // Fido2 enforces UV at assertion only when asked to (default null = not checked).
            UserVerification = UserVerificationRequirement.Required,
        });
        if (policy.Kind == AuthenticatorPolicyKind.YubiKey)
        {
            assertion.Hints = [PublicKeyCredentialHint.SecurityKey];
        }

        return await StartCeremonyAsync(WebAuthnCeremonyKind.Assertion, user?.Id, assertion.ToJson(), ct);
    }

    /// <summary>
    /// Verifies a sign-in and returns whose passkey answered. The credential is found by its id in
    /// the database, never by the user handle the browser claims. The user's state is NOT checked
    /// here: the sign-in layer does that, so every kind of failure can look the same to the caller.
    /// </summary>
    public async Task<PasskeySignIn> CompleteAssertionAsync(
        AuditActor actor, Guid ceremonyId, string responseJson, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(responseJson);
        var ceremony = await ConsumeCeremonyAsync(ceremonyId, WebAuthnCeremonyKind.Assertion, null, ct);
        var response = Parse<AuthenticatorAssertionRawResponse>(
            ceremonyId, responseJson, r => r.Response is not null && r.RawId is { Length: > 0 });

        var credential = await db.PasskeyCredentials.AsNoTracking().SingleOrDefaultAsync(p => p.CredentialId == response.RawId, ct);
        if (credential is null)
        {
            throw Refused(ceremonyId, "unknown credential id");
        }

        if (ceremony.UserId is { } expectedUser && credential.UserId != expectedUser)
        {
            throw Refused(ceremonyId, "the credential belongs to another user than the ceremony's");
        }

        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == credential.UserId, ct)
            ?? throw Refused(ceremonyId, "the credential's user is gone");
        var handle = UserHandleOf(user.Id);
        if (response.Response.UserHandle is { } claimed && !CryptographicOperations.FixedTimeEquals(claimed, handle))
        {
            throw Refused(ceremonyId, "the user handle is not the credential owner's");
        }

        VerifyAssertionResult result;
        try
        {
            result = await fido2.MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = response,
                OriginalOptions = AssertionOptions.FromJson(ceremony.OptionsJson),
                StoredPublicKey = credential.PublicKey,
                StoredSignatureCounter = credential.SignCount,
                IsUserHandleOwnerOfCredentialIdCallback = (claim, _) => Task.FromResult(
                    CryptographicOperations.FixedTimeEquals(claim.UserHandle, handle)
                    && claim.CredentialId.AsSpan().SequenceEqual(credential.CredentialId)),
            }, ct);
        }
        catch (Fido2VerificationException exception) when (exception.Code == Fido2ErrorCode.InvalidSignCount)
        {
            throw await RefuseRegressedCounterAsync(actor, credential, credential.SignCount, PresentedCounterOf(response), ct);
        }
        catch (Exception exception) when (IsRejectedResponse(exception))
        {
            LogRefused(_logger, ceremonyId, CodeOf(exception), exception.Message);
            throw new DomainException(DomainErrors.PasskeyVerificationFailed);
        }

        // The device-bound policies refuse backup-eligible credentials at sign-in as well as at
        // registration: the flag in this assertion (BE, bit 3 of authenticator data) or the one
        // stored (a key registered while the policy allowed it).
        if (policy.Kind != AuthenticatorPolicyKind.Any
            && (credential.BackupEligible || (response.Response.AuthenticatorData is { Length: > 32 } data && (data[32] & 0x08) != 0)))
        {
            throw await RefuseBackupEligibleAsync(actor, credential, ct);
        }

        // WebAuthn §6.1.1 and §7.2: the counter must grow (0 stays allowed for keys that never
        // count). Checking and writing in one statement means two assertions carrying the same
        // counter, each verified against the old value, cannot both pass.
        var now = clock.GetUtcNow();
        var newCount = result.SignCount;
        var neverCounts = newCount == 0;
        var updated = await db.PasskeyCredentials
            .Where(p => p.Id == credential.Id && (p.SignCount < newCount || (neverCounts && p.SignCount == 0)))
            .ExecuteUpdateAsync(set => set
                .SetProperty(p => p.SignCount, newCount)
                .SetProperty(p => p.BackedUp, result.IsBackedUp)
                .SetProperty(p => p.LastUsedAt, now), ct);
        if (updated != 1)
        {
            var stored = await db.PasskeyCredentials.Where(p => p.Id == credential.Id).Select(p => p.SignCount).SingleAsync(ct);
            throw await RefuseRegressedCounterAsync(actor, credential, stored, newCount, ct);
        }

        credential.SignCount = newCount;
        credential.BackedUp = result.IsBackedUp;
        credential.LastUsedAt = now;
        return new PasskeySignIn(user, credential);
    }

    private async Task<PasskeyCredential> StoreAsync(
        AuditActor actor, Guid userId, RegisteredPublicKeyCredential registered, Guid? keepSessionId, CancellationToken ct)
    {
        var user = await db.LockUserAsync(userId, ct);
        EnsureMayRegister(user);
        var now = clock.GetUtcNow();
        var names = await db.PasskeyCredentials.Where(p => p.UserId == userId).Select(p => p.Name).ToListAsync(ct);
        var credential = new PasskeyCredential
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            CredentialId = registered.Id,
            PublicKey = registered.PublicKey,
            SignCount = registered.SignCount,
            Aaguid = registered.AaGuid,
            BackupEligible = registered.IsBackupEligible,
            BackedUp = registered.IsBackedUp,
            Transports = JoinTransports(registered.Transports),
            AttestationFormat = registered.AttestationFormat,
            Name = UniqueName(catalog.DefaultNameFor(registered.AaGuid), names),
            CreatedAt = now,
        };
        db.PasskeyCredentials.Add(credential);

        if (user.HasPassword)
        {
            await RemovePasswordAsync(actor, user, ct);
        }
        else
        {
            // A new credential is a credential change: every other session and token ends.
            user.RotateSecurityStamp();
            await SessionRevocation.EndOthersAfterCredentialChangeAsync(db, user, keepSessionId, "passkey added", now, ct);
        }

        if (user.State is UserState.Pending or UserState.ActiveDemo or UserState.Reset)
        {
            var from = user.State;
            user.TransitionTo(UserState.Active, now);
            audit.Record(actor, AuditActions.UserStateChanged, null, user.Id,
                new { from = from.ToString(), to = nameof(UserState.Active), reason = "passkey registered" });
        }

        audit.Record(actor, AuditActions.PasskeyRegistered, null, user.Id, new
        {
            name = credential.Name,
            aaguid = credential.Aaguid.ToString(),
            attestationFormat = credential.AttestationFormat,
            credentialId = Base64Url.EncodeToString(credential.CredentialId),
        });
        return credential;
    }

    /// <summary>SPEC: registering a passkey deletes the password "and any password-based MFA".</summary>
    private async Task RemovePasswordAsync(AuditActor actor, User user, CancellationToken ct)
    {
        // Sessions, cookies and tokens issued on the strength of the password end with the old stamp.
        var hadTotp = await CredentialRemoval.RemovePasswordAsync(db, user, ct);
        await SessionRevocation.EndOthersAfterCredentialChangeAsync(db, user, keepSessionId: null, "password removed", clock.GetUtcNow(), ct);
        audit.Record(actor, AuditActions.PasswordRemoved, null, user.Id, new { reason = "passkey registered", totpRemoved = hadTotp });
    }

    private async Task<CeremonyStart> StartCeremonyAsync(WebAuthnCeremonyKind kind, Guid? userId, string optionsJson, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        // Expired ceremonies can never be finished; sweep them while writing one (ExpiresAt is
        // indexed). Looked for first: a DELETE takes SQLite's write lock even when it deletes
        // nothing, and most of the time there is nothing to delete.
        var expired = db.WebAuthnCeremonies.Where(c => c.ExpiresAt <= now);
        if (await expired.AnyAsync(ct))
        {
            await expired.ExecuteDeleteAsync(ct);
        }
        var ceremony = new WebAuthnCeremony
        {
            // Random, not time-ordered: the id is all a caller needs to finish the ceremony.
            Id = Guid.NewGuid(),
            Kind = kind,
            UserId = userId,
            OptionsJson = optionsJson,
            CreatedAt = now,
            ExpiresAt = now + options.Value.CeremonyLifetime,
        };
        db.WebAuthnCeremonies.Add(ceremony);
        await db.SaveChangesAsync(ct);
        db.Entry(ceremony).State = EntityState.Detached;
        return new CeremonyStart(ceremony.Id, optionsJson);
    }

    /// <summary>
    /// WebAuthn §13.4.3: a challenge is good for one response. The ceremony is claimed by deleting
    /// its row before anything is verified; only the one caller whose delete hits the row goes
    /// on, so a replayed, expired, concurrent or foreign attempt is refused. A registration
    /// ceremony is claimed only by its own user, so a foreign attempt does not burn it.
    /// </summary>
    private async Task<WebAuthnCeremony> ConsumeCeremonyAsync(Guid ceremonyId, WebAuthnCeremonyKind kind, Guid? userId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var ceremony = await db.WebAuthnCeremonies.AsNoTracking().SingleOrDefaultAsync(c => c.Id == ceremonyId, ct);
        var claim = db.WebAuthnCeremonies.Where(c => c.Id == ceremonyId && c.ExpiresAt > now && c.Kind == kind);
        if (kind == WebAuthnCeremonyKind.Registration)
        {
            claim = claim.Where(c => c.UserId == userId);
        }

        if (ceremony is null || await claim.ExecuteDeleteAsync(ct) != 1)
        {
            LogRefused(_logger, ceremonyId, "ceremony", ceremony is null ? "unknown or already used" : "expired, already used, of another kind or of another user");
            throw new DomainException(DomainErrors.PasskeyCeremonyInvalid);
        }

        return ceremony;
    }

    private async Task<DomainException> RefuseBackupEligibleAsync(AuditActor actor, PasskeyCredential credential, CancellationToken ct)
    {
        // On record on its own, like a regressed counter: nothing else of the sign-in is written.
        audit.Record(actor, AuditActions.PasskeyBackupEligibleRefused, null, credential.UserId, new
        {
            credentialId = Base64Url.EncodeToString(credential.CredentialId),
            name = credential.Name,
            policy = policy.Kind.ToString(),
        });
        await db.SaveChangesAsync(ct);
        return new DomainException(DomainErrors.PasskeySyncedNotAllowed);
    }

    private async Task<DomainException> RefuseRegressedCounterAsync(
        AuditActor actor, PasskeyCredential credential, uint stored, uint? presented, CancellationToken ct)
    {
        // WebAuthn §6.1.1: a counter that does not grow hints at a cloned authenticator. The
        // entry is written on its own: the refusal must be on record although nothing else is.
        audit.Record(actor, AuditActions.PasskeySignCountRegressed, null, credential.UserId, new
        {
            credentialId = Base64Url.EncodeToString(credential.CredentialId),
            name = credential.Name,
            storedCount = stored,
            presentedCount = presented,
        });
        await db.SaveChangesAsync(ct);
        LogCounterRegressed(_logger, credential.Id, stored, presented);
        return new DomainException(DomainErrors.PasskeySignCountRegressed);
    }

    private async Task<List<PublicKeyCredentialDescriptor>> DescriptorsOfAsync(Guid userId, CancellationToken ct)
    {
        var passkeys = await db.PasskeyCredentials.AsNoTracking()
            .Where(p => p.UserId == userId)
            .OrderBy(p => p.CreatedAt)
            .Select(p => new { p.CredentialId, p.Transports })
            .ToListAsync(ct);
        return passkeys
            .Select(p => new PublicKeyCredentialDescriptor(PublicKeyCredentialType.PublicKey, p.CredentialId, ParseTransports(p.Transports)))
            .ToList();
    }

    /// <summary>Suspended and deactivated accounts have their credentials invalidated (SPEC); they get no new ones.</summary>
    private static void EnsureMayRegister(User user)
    {
        if (user.State is UserState.Suspended or UserState.Deactivated)
        {
            throw new DomainException(DomainErrors.PasskeyRegistrationNotAllowed);
        }
    }

    private T Parse<T>(Guid ceremonyId, string json, Func<T, bool> isComplete)
        where T : class
    {
        try
        {
            if (JsonSerializer.Deserialize<T>(json) is { } value && isComplete(value))
            {
                return value;
            }
        }
        catch (JsonException exception)
        {
            LogRefused(_logger, ceremonyId, "json", exception.Message);
            throw new DomainException(DomainErrors.PasskeyVerificationFailed);
        }

        throw Refused(ceremonyId, "the response is incomplete");
    }

    private DomainException Refused(Guid ceremonyId, string reason)
    {
        LogRefused(_logger, ceremonyId, "portal", reason);
        return new DomainException(DomainErrors.PasskeyVerificationFailed);
    }

    /// <summary>What a malformed or forged response can make Fido2 throw; anything else is a fault of ours and propagates.</summary>
    private static bool IsRejectedResponse(Exception exception) =>
        exception is Fido2VerificationException or JsonException or CborContentException or FormatException or CryptographicException;

    private static string CodeOf(Exception exception) =>
        exception is Fido2VerificationException fido ? fido.Code.ToString() : exception.GetType().Name;

    /// <summary>The signCount of authenticatorData (bytes 33-36, big-endian), for the audit entry.</summary>
    private static uint? PresentedCounterOf(AuthenticatorAssertionRawResponse response) =>
        response.Response.AuthenticatorData is { Length: >= 37 } data ? BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(33, 4)) : null;

    private static string EmailOf(User user) => user.Email ?? user.UserName ?? user.Id.ToString();

    private static string UniqueName(string baseName, List<string> taken)
    {
        var name = baseName.Length <= MaxNameLength ? baseName : baseName[..MaxNameLength];
        for (var n = 2; taken.Contains(name, StringComparer.OrdinalIgnoreCase); n++)
        {
            var suffix = string.Create(CultureInfo.InvariantCulture, $" ({n})");
            name = (baseName.Length + suffix.Length <= MaxNameLength ? baseName : baseName[..(MaxNameLength - suffix.Length)]) + suffix;
        }

        return name;
    }

    private static string? JoinTransports(IEnumerable<AuthenticatorTransport>? transports)
    {
        var names = (transports ?? [])
            .Select(t => TransportNames.FirstOrDefault(n => n.Transport == t).Name)
            .Where(n => n is not null)
            .Distinct()
            .ToList();
        return names.Count > 0 ? string.Join(',', names) : null;
    }

    internal static AuthenticatorTransport[]? ParseTransports(string? transports) =>
        transports is null
            ? null
            : transports.Split(',')
                .SelectMany(name => TransportNames.Where(n => n.Name == name).Select(n => n.Transport))
                .ToArray();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Passkey ceremony {CeremonyId} refused ({Code}): {Reason}")]
    private static partial void LogRefused(ILogger logger, Guid ceremonyId, string code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Passkey {PasskeyId} presented sign counter {Presented}, not above the stored {Stored}: possibly a cloned authenticator")]
    private static partial void LogCounterRegressed(ILogger logger, Guid passkeyId, uint stored, uint? presented);
}
