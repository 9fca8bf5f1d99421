using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KeyPortal.Core.Users;

/// <summary>The outcome of checking a legacy credential (password or authenticator code).</summary>
public enum CredentialCheck
{
    Valid,
    Wrong,

    /// <summary>The account is locked out: the credential was not even evaluated.</summary>
    LockedOut,

    /// <summary>A right authenticator code of a time step already used (RFC 6238 §5.2).</summary>
    Reused,

    /// <summary>The credential was right but the account may not use it now (its state).</summary>
    Refused,
}

/// <summary>
/// The one home of the lockout of legacy credentials: after
/// <see cref="LockoutOptions.MaxFailedAccessAttempts"/> wrong passwords or codes the account is
/// locked for <see cref="LockoutOptions.DefaultLockoutTimeSpan"/>. Every check counts under the
/// user's row lock, so parallel requests cannot lose increments (Identity's
/// <c>AccessFailedAsync</c> read-modify-writes the count and loses them, and its concurrency
/// conflict used to wedge the write path); authenticator codes are evaluated under that lock
/// too, so a burst of guesses gets at most the threshold evaluated, and each time step is
/// accepted once.
/// </summary>
public sealed class LegacyCredentials(PortalDbContext db, AuditTrail audit, IOptions<IdentityOptions> identity, TimeProvider clock)
{
    /// <summary>Where the last accepted authenticator time step is kept (table user_tokens).</summary>
    internal const string Provider = "[KeyPortal]";
    internal const string LastTimeStep = "LastAuthenticatorTimeStep";

    private LockoutOptions Lockout => identity.Value.Lockout;

    /// <summary>True while the account is locked out.</summary>
    public bool IsLockedOut(User user) =>
        user is { LockoutEnd: { } end } && end > clock.GetUtcNow();

    /// <summary>
    /// Records the outcome of a password verified by the caller (the hash is slow, so it is not
    /// computed under the lock): a locked-out account is refused even for the right password.
    /// </summary>
    public Task<CredentialCheck> RecordPasswordAsync(
        AuditActor actor, Guid userId, bool valid, string purpose, CancellationToken cancellationToken = default) =>
        RecordPasswordAsync(actor, userId, valid, purpose, mayUse: null, cancellationToken);

    /// <summary>
    /// As above, and a right password of an account <paramref name="mayUse"/> refuses (suspended,
    /// pending...) is refused in the same transaction with the same work as a wrong one, so the
    /// time does not tell "right password, blocked account" from "wrong password".
    /// </summary>
    public Task<CredentialCheck> RecordPasswordAsync(
        AuditActor actor, Guid userId, bool valid, string purpose, Func<User, bool>? mayUse, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async ct =>
        {
            var user = await db.LockUserAsync(userId, ct);
            var result = IsLockedOut(user) ? CredentialCheck.LockedOut : valid ? CredentialCheck.Valid : CredentialCheck.Wrong;
            if (result == CredentialCheck.Valid && mayUse is not null && !mayUse(user))
            {
                // Counted like a wrong password: the same writes, so the same time.
                Count(actor, user, CredentialCheck.Wrong, "password", purpose, $"state {user.State}");
                return CredentialCheck.Refused;
            }

            Count(actor, user, result, "password", purpose);
            return result;
        }, cancellationToken);

    /// <summary>
    /// Records a refused password sign-in: a wrong password, an address with no account or no
    /// password, or the right password of an account that may not sign in. Every cause runs the
    /// same statements (one update by address that counts the failure and starts the lockout at
    /// the threshold, matching no row when there is no account; one read; the audit entry), so the
    /// time does not tell them apart. Atomic in the database: parallel failures lose no count.
    /// </summary>
    public Task RecordRefusedPasswordAsync(
        AuditActor actor, string normalizedEmail, string purpose, string reason, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            var now = clock.GetUtcNow();
            var until = now + Lockout.DefaultLockoutTimeSpan;
            var threshold = Lockout.MaxFailedAccessAttempts;
            var stamp = Guid.NewGuid().ToString();
            // SQL evaluates every right-hand side on the row as it was: a locked account stays as it is.
            await db.Users.Where(u => u.NormalizedEmail == normalizedEmail).ExecuteUpdateAsync(set => set
                .SetProperty(u => u.AccessFailedCount, u => u.LockoutEnd > now ? u.AccessFailedCount : u.AccessFailedCount + 1 >= threshold ? 0 : u.AccessFailedCount + 1)
                .SetProperty(u => u.LockoutEnd, u => u.LockoutEnd > now ? u.LockoutEnd : u.AccessFailedCount + 1 >= threshold ? until : u.LockoutEnd)
                .SetProperty(u => u.ConcurrencyStamp, stamp), ct);
            var target = await db.Users.AsNoTracking().Where(u => u.NormalizedEmail == normalizedEmail)
                .Select(u => new { u.Id, u.LockoutEnd }).SingleOrDefaultAsync(ct);
            // Locked before this attempt: an end that this statement did not just set.
            var wasLocked = target?.LockoutEnd is { } end && end > now && end != until;
            audit.Record(actor, AuditActions.SignInFailed, null, target?.Id, new
            {
                method = "password",
                purpose,
                reason = target is null ? "unknown account" : wasLocked ? "locked out" : reason,
            });
            return true;
        }, cancellationToken);

    /// <summary>Checks an authenticator-app code under the user's row lock.</summary>
    public Task<CredentialCheck> CheckAuthenticatorCodeAsync(
        AuditActor actor, Guid userId, string? code, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            var user = await db.LockUserAsync(userId, ct);
            var result = CredentialCheck.LockedOut;
            if (!IsLockedOut(user))
            {
                var key = await db.UserTokens.Where(t => t.UserId == userId
                        && t.LoginProvider == IdentityTokenNames.Provider && t.Name == IdentityTokenNames.AuthenticatorKey)
                    .Select(t => t.Value).SingleOrDefaultAsync(ct);
                var step = user.TwoFactorEnabled && key is not null ? AuthenticatorCode.MatchingTimeStep(key, code, clock.GetUtcNow()) : null;
                var last = await db.UserTokens.SingleOrDefaultAsync(t => t.UserId == userId && t.LoginProvider == Provider && t.Name == LastTimeStep, ct);
                var lastStep = last?.Value is { } text && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : long.MinValue;
                result = step is null ? CredentialCheck.Wrong : step <= lastStep ? CredentialCheck.Reused : CredentialCheck.Valid;
                if (result == CredentialCheck.Valid)
                {
                    var value = step!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (last is null)
                    {
                        db.UserTokens.Add(new IdentityUserToken<Guid> { UserId = userId, LoginProvider = Provider, Name = LastTimeStep, Value = value });
                    }
                    else
                    {
                        last.Value = value;
                    }
                }
            }

            Count(actor, user, result, "totp", "sign-in");
            return result;
        }, cancellationToken);

    private void Count(AuditActor actor, User user, CredentialCheck result, string method, string purpose, string? reasonOverride = null)
    {
        if (result == CredentialCheck.Valid)
        {
            // A right password of a two-factor account is half a sign-in: it must not give the
            // code step fresh tries, or password + four guesses could be repeated for ever.
            if (method == "totp" || !user.TwoFactorEnabled)
            {
                user.AccessFailedCount = 0;
            }

            return;
        }

        if (result is CredentialCheck.Wrong or CredentialCheck.Reused)
        {
            user.AccessFailedCount++;
            if (user.AccessFailedCount >= Lockout.MaxFailedAccessAttempts)
            {
                user.LockoutEnd = clock.GetUtcNow() + Lockout.DefaultLockoutTimeSpan;
                user.AccessFailedCount = 0;
            }
        }

        var reason = reasonOverride ?? result switch
        {
            CredentialCheck.LockedOut => "locked out",
            CredentialCheck.Reused => "reused one-time code",
            _ => method == "totp" ? "wrong one-time code" : "wrong password",
        };
        audit.Record(actor, AuditActions.SignInFailed, null, user.Id, new { method, purpose, reason });
    }
}

/// <summary>RFC 6238 authenticator-app codes: HMAC-SHA1, 30-second steps, 6 digits.</summary>
public static class AuthenticatorCode
{
    private const int StepSeconds = 30;

    /// <summary>
    /// The time step whose code <paramref name="code"/> is, among the current one and one on
    /// either side (RFC 6238 §5.2 allows one step of clock drift), or null. Compared in constant time.
    /// </summary>
    public static long? MatchingTimeStep(string base32Key, string? code, DateTimeOffset now)
    {
        var compact = (code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (compact.Length != 6 || !compact.All(char.IsAsciiDigit) || FromBase32(base32Key) is not { Length: > 0 } key)
        {
            return null;
        }

        var current = now.ToUnixTimeSeconds() / StepSeconds;
        long? match = null;
        for (var step = current - 1; step <= current + 1; step++)
        {
            // Every step is computed and compared, matched or not: the time does not tell which.
            if (CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(Compute(key, step)), System.Text.Encoding.ASCII.GetBytes(compact)))
            {
                match = step;
            }
        }

        return match;
    }

    /// <summary>The code of one time step.</summary>
    public static string Compute(byte[] key, long step)
    {
        Span<byte> message = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(message, step);
        // RFC 6238 codes are HMAC-SHA1 by definition; authenticator apps compute exactly this.
#pragma warning disable CA5350
        var hash = HMACSHA1.HashData(key, message);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0F;
        var binary = ((hash[offset] & 0x7F) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>RFC 4648 base32 (the form Identity stores the key in); null when it is not.</summary>
    public static byte[]? FromBase32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('='))
        {
            var value = alphabet.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal);
            if (value < 0)
            {
                return null;
            }

            buffer = ((buffer << 5) | value) & 0xFFFF;
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }
}
