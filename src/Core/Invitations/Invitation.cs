using System.Buffers.Text;
using System.Security.Cryptography;

namespace KeyPortal.Core.Invitations;

/// <summary>What an emailed link lets its holder do.</summary>
public enum InvitationPurpose
{
    /// <summary>Activate a Pending account (or, after a reset, register a new passkey).</summary>
    Activation = 1,

    /// <summary>Start the emailed account reset: request and enter a code, then get an activation link.</summary>
    AccountReset = 2,

    /// <summary>Set a new password (legacy password users only); no code.</summary>
    PasswordReset = 3,

    /// <summary>
    /// Join an organization: an existing account is invited and accepts while signed in as
    /// itself. No token is ever used (the link opens the Portal's invitations page); until it is
    /// accepted the person has no access, and Owners of the organization may withdraw it.
    /// </summary>
    Membership = 4,
}

/// <summary>
/// One emailed link to a person's account: single use, expiring, replaced by the next one sent,
/// and (for activation and reset) guarded by an emailed one-time code with its own attempt
/// counter and lock. Only hashes are stored: the link's token and the code are shown once.
/// </summary>
public sealed class Invitation
{
    /// <summary>256 bits: a link cannot be guessed, so looking it up by hash is safe.</summary>
    public const int TokenBytes = 32;

    private Invitation()
    {
    }

    public Guid Id { get; private set; }

    /// <summary>The organization that sent it; null for an operator's reset of a user outside one.</summary>
    public Guid? OrganizationId { get; private set; }

    /// <summary>The invited account.</summary>
    public Guid UserId { get; private set; }

    /// <summary>Null when an operator's system action or the person themself caused it.</summary>
    public Guid? InvitedByUserId { get; private set; }

    public OrganizationRole? OrganizationRole { get; private set; }

    public ChannelRoles ChannelRoles { get; private set; }

    /// <summary>The roles the invitation gave (none for resets).</summary>
    public MemberRoles Roles => new(OrganizationRole, ChannelRoles);

    public InvitationPurpose Purpose { get; private set; }

    /// <summary>The first Owner of a newly onboarded organization: the only one who may activate with a password.</summary>
    public bool IsOnboarding { get; private set; }

    /// <summary>SHA-256 of the link's token.</summary>
    public byte[] TokenHash { get; private set; } = [];

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public DateTimeOffset? SupersededAt { get; private set; }

    public DateTimeOffset? UsedAt { get; private set; }

    /// <summary>HMAC-SHA256 of the current code keyed with <see cref="CodeSalt"/>; null when none is outstanding.</summary>
    public byte[]? CodeHash { get; private set; }

    public byte[]? CodeSalt { get; private set; }

    public DateTimeOffset? CodeExpiresAt { get; private set; }

    /// <summary>Wrong codes since the last lock ended. Not reset by a new code, so new codes give no new tries.</summary>
    public int FailedAttempts { get; private set; }

    public DateTimeOffset? LockedUntil { get; private set; }

    public DateTimeOffset? CodeVerifiedAt { get; private set; }

    /// <summary>Bumped to take the row lock before any change (see <c>InvitationRecords.LockAsync</c>).</summary>
    public long Version { get; private set; }

    /// <summary>Account resets and activations need the emailed code; a password reset link does not.</summary>
    public bool NeedsCode => Purpose is InvitationPurpose.Activation or InvitationPurpose.AccountReset;

    /// <summary>Creates an invitation and returns the raw token, which is stored nowhere.</summary>
    public static (Invitation Invitation, string Token) Issue(
        Guid? organizationId, Guid userId, Guid? invitedByUserId, MemberRoles roles, InvitationPurpose purpose,
        bool isOnboarding, DateTimeOffset now, TimeSpan lifetime, bool codeAlreadyVerified = false)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));
        var invitation = new Invitation
        {
            Id = Guid.CreateVersion7(now),
            OrganizationId = organizationId,
            UserId = userId,
            InvitedByUserId = invitedByUserId,
            OrganizationRole = roles.OrganizationRole,
            ChannelRoles = roles.ChannelRoles,
            Purpose = purpose,
            IsOnboarding = isOnboarding,
            TokenHash = HashToken(token) ?? throw new InvalidOperationException("A fresh token must hash."),
            CreatedAt = now,
            ExpiresAt = now + lifetime,
            CodeVerifiedAt = codeAlreadyVerified ? now : null,
        };
        return (invitation, token);
    }

    /// <summary>SHA-256 of a link token, or null when the text cannot be one of our tokens.</summary>
    public static byte[]? HashToken(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length != Base64Url.GetEncodedLength(TokenBytes))
        {
            return null;
        }

        Span<byte> raw = stackalloc byte[TokenBytes];
        try
        {
            // "Try" still throws on characters outside the alphabet and on non-zero trailing bits.
            if (!Base64Url.TryDecodeFromChars(token, raw, out var written) || written != TokenBytes)
            {
                return null;
            }
        }
        catch (FormatException)
        {
            return null;
        }

        return SHA256.HashData(raw);
    }

    /// <summary>Constant-time comparison of a presented token's hash with this invitation's.</summary>
    public bool Matches(byte[] tokenHash) => CryptographicOperations.FixedTimeEquals(TokenHash, tokenHash);

    /// <summary>Why the link no longer works at <paramref name="now"/>, or null while it does.</summary>
    public DomainError? RefusalAt(DateTimeOffset now) =>
        UsedAt is not null ? DomainErrors.InvitationUsed
        : SupersededAt is not null ? DomainErrors.InvitationSuperseded
        : now >= ExpiresAt ? DomainErrors.InvitationExpired
        : null;

    public bool IsLockedAt(DateTimeOffset now) => LockedUntil is { } until && now < until;

    /// <summary>Whole minutes left of the lock, rounded up, so "0 minutes" is never shown.</summary>
    public int LockMinutesLeftAt(DateTimeOffset now) =>
        LockedUntil is { } until && now < until ? (int)Math.Ceiling((until - now).TotalMinutes) : 0;

    public bool HasLiveCodeAt(DateTimeOffset now) => CodeHash is not null && CodeExpiresAt is { } expires && now < expires;

    /// <summary>A lock that has run out ends with a fresh count of tries.</summary>
    public void ReleaseExpiredLock(DateTimeOffset now)
    {
        if (LockedUntil is { } until && now >= until)
        {
            LockedUntil = null;
            FailedAttempts = 0;
        }
    }

    /// <summary>Replaces any outstanding code with a new one and returns it (6 digits, shown once).</summary>
    public string IssueCode(DateTimeOffset now, TimeSpan lifetime)
    {
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        CodeSalt = RandomNumberGenerator.GetBytes(32);
        CodeHash = HashCode(CodeSalt, code);
        CodeExpiresAt = now + lifetime;
        return code;
    }

    /// <summary>
    /// Evaluates one code against the outstanding one, counting a wrong one and locking after
    /// <paramref name="maxAttempts"/>. The caller holds the row lock, so each call sees the
    /// previous one's count. Preconditions (live code, not locked) are the caller's.
    /// </summary>
    public bool TryVerifyCode(string? code, DateTimeOffset now, int maxAttempts, TimeSpan lockDuration)
    {
        var presented = HashCode(CodeSalt ?? [], code ?? "");
        if (CodeHash is not null && CryptographicOperations.FixedTimeEquals(CodeHash, presented))
        {
            CodeVerifiedAt = now;
            FailedAttempts = 0;
            CodeHash = null;
            CodeSalt = null;
            CodeExpiresAt = null;
            return true;
        }

        FailedAttempts++;
        if (FailedAttempts >= maxAttempts)
        {
            LockedUntil = now + lockDuration;
            // The code is spent: after the lock a new one must be requested.
            CodeHash = null;
            CodeSalt = null;
            CodeExpiresAt = null;
        }

        return false;
    }

    public void MarkUsed(DateTimeOffset now) => UsedAt = now;

    public void Supersede(DateTimeOffset now) => SupersededAt = now;

    // A keyed hash, not SHA-256 of the code: a million possible codes would be a table lookup.
    private static byte[] HashCode(byte[] salt, string code) =>
        HMACSHA256.HashData(salt, System.Text.Encoding.UTF8.GetBytes(code));
}
