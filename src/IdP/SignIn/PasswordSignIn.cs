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

        var lockedOut = await users.IsLockedOutAsync(user);
        var valid = await users.CheckPasswordAsync(user, password);
        if (lockedOut || !valid || !SessionService.MaySignIn(user.State))
        {
            if (!valid && !lockedOut)
            {
                await users.AccessFailedAsync(user);
            }

            await FailAsync(user, clientAddress, lockedOut ? "locked out" : !valid ? "wrong password" : $"state {user.State}", cancellationToken);
            return new PasswordCheck(null, false);
        }

        return new PasswordCheck(user, user.TwoFactorEnabled);
    }

    public async Task<bool> CheckTotpAsync(User user, string code, string? clientAddress, CancellationToken cancellationToken)
    {
        var compact = code.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (!await users.IsLockedOutAsync(user)
            && await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, compact))
        {
            return true;
        }

        await users.AccessFailedAsync(user);
        await FailAsync(user, clientAddress, "wrong one-time code", cancellationToken);
        return false;
    }

    public async Task SucceededAsync(User user) => await users.ResetAccessFailedCountAsync(user);

    private async Task FailAsync(User? user, string? clientAddress, string reason, CancellationToken cancellationToken)
    {
        audit.Record(new AuditActor(null, "anonymous", clientAddress), AuditActions.SignInFailed, null, user?.Id, new { method = "password", reason });
        await db.SaveChangesAsync(cancellationToken);
    }
}
