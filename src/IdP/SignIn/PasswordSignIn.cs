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
        var actor = new AuditActor(null, "anonymous", clientAddress);
        if (user is null)
        {
            // The same hash and the same database work as a wrong password (bench/signin-timing.sh).
            new PasswordHasher<User>().VerifyHashedPassword(new User(), DummyHash.Value, password);
            await credentials.RecordUnknownAccountAsync(actor, normalized, "sign-in", cancellationToken);
            return new PasswordCheck(null, false);
        }

        // The hash is checked first (the same cost for every account; a dummy one for accounts
        // without a password), then the outcome is counted under the account's row lock, where a
        // locked-out account is refused anyway.
        bool valid;
        if (user.PasswordHash is null)
        {
            new PasswordHasher<User>().VerifyHashedPassword(new User(), DummyHash.Value, password);
            valid = false;
        }
        else
        {
            valid = await users.CheckPasswordAsync(user, password);
        }

        // A suspended, pending or deactivated account is refused inside the same transaction.
        var check = await credentials.RecordPasswordAsync(
            actor, user.Id, valid, user.PasswordHash is null ? "sign-in, no password" : "sign-in", u => SessionService.MaySignIn(u.State), cancellationToken);
        return check == CredentialCheck.Valid ? new PasswordCheck(user, user.TwoFactorEnabled) : new PasswordCheck(null, false);
    }

    /// <summary>Checks an authenticator code of a user whose password was right, under the account's lockout.</summary>
    public async Task<bool> CheckTotpAsync(User user, string code, string? clientAddress, CancellationToken cancellationToken) =>
        await credentials.CheckAuthenticatorCodeAsync(new AuditActor(null, "anonymous", clientAddress), user.Id, code, cancellationToken)
            == CredentialCheck.Valid;
}
