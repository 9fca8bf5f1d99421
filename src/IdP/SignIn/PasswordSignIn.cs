using KeyPortal.Core.Auditing;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Sessions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.SignIn;

/// <summary>The outcome of checking a legacy password.</summary>
public sealed record PasswordCheck(User? User, bool NeedsTotp)
{
    public bool Succeeded => User is not null;
}

/// <summary>
/// Legacy password sign-in (ASP.NET Core Identity hashing, lockout after repeated failures,
/// optional TOTP). Every failure costs one password-hash verification and gives the same answer.
/// </summary>
public sealed class PasswordSignIn(
    PortalDbContext db,
    UserManager<User> users,
    ILookupNormalizer normalizer,
    AuditTrail audit,
    LegacyCredentials credentials,
    IOptions<IdentityProviderOptions> options,
    TimeProvider clock)
{
    // A real hash of a random password: unknown accounts still pay for one verification, so
    // the response time does not tell them apart.
    private static readonly Lazy<string> DummyHash = new(() =>
        new PasswordHasher<User>().HashPassword(new User(), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18))));

    public bool AfterCutoff => options.Value.PasswordSignInCutoff is { } cutoff && clock.GetUtcNow() >= cutoff;

    public async Task<PasswordCheck> CheckAsync(string email, string password, string? clientAddress, CancellationToken cancellationToken)
    {
        var normalized = normalizer.NormalizeEmail(email.Trim());
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        if (user?.PasswordHash is null)
        {
            new PasswordHasher<User>().VerifyHashedPassword(new User(), DummyHash.Value, password);
            await FailAsync(user, clientAddress, user is null ? "unknown account" : "no password", cancellationToken);
            return new PasswordCheck(null, false);
        }

        // The hash is checked first (the same cost for every account), then the outcome is
        // counted under the account's row lock, where a locked-out account is refused anyway.
        var valid = await users.CheckPasswordAsync(user, password);
        var actor = new AuditActor(null, "anonymous", clientAddress);
        var check = await credentials.RecordPasswordAsync(actor, user.Id, valid, "sign-in", cancellationToken);
        if (check != CredentialCheck.Valid)
        {
            return new PasswordCheck(null, false);
        }

        if (!SessionService.MaySignIn(user.State))
        {
            await FailAsync(user, clientAddress, $"state {user.State}", cancellationToken);
            return new PasswordCheck(null, false);
        }

        return new PasswordCheck(user, user.TwoFactorEnabled);
    }

    /// <summary>Checks an authenticator code of a user whose password was right, under the account's lockout.</summary>
    public async Task<bool> CheckTotpAsync(User user, string code, string? clientAddress, CancellationToken cancellationToken) =>
        await credentials.CheckAuthenticatorCodeAsync(new AuditActor(null, "anonymous", clientAddress), user.Id, code, cancellationToken)
            == CredentialCheck.Valid;

    private async Task FailAsync(User? user, string? clientAddress, string reason, CancellationToken cancellationToken)
    {
        audit.Record(new AuditActor(null, "anonymous", clientAddress), AuditActions.SignInFailed, null, user?.Id, new { method = "password", reason });
        await db.SaveChangesAsync(cancellationToken);
    }
}
