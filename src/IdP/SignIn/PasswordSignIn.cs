using KeyPortal.Core.Auditing;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.IdP.Sessions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KeyPortal.IdP.SignIn;

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

        // One hash for every address (a dummy one without an account or a password) ...
        var valid = user?.PasswordHash is null
            ? DummyCheck(password)
            : await users.CheckPasswordAsync(user, password);

        // ... and one recording for every refusal, whatever its cause (bench/run.sh measures it).
        // A locked account goes this way too, right password or not, so the time does not tell
        // a right guess during the lockout (the row-lock path below still refuses it in a race).
        if (!valid || !user!.State.MayHoldSession() || credentials.IsLockedOut(user))
        {
            var reason = user is null ? "unknown account" : user.PasswordHash is null ? "no password" : !valid ? "wrong password" : credentials.IsLockedOut(user) ? "locked out" : $"state {user.State}";
            await credentials.RecordRefusedPasswordAsync(actor, normalized, "sign-in", reason, cancellationToken);
            return new PasswordCheck(null, false);
        }

        // The right password: under the account's row lock, where a lockout or a state that
        // changed meanwhile still refuses it.
        var check = await credentials.RecordPasswordAsync(actor, user.Id, valid: true, "sign-in", u => u.State.MayHoldSession(), cancellationToken);
        return check == CredentialCheck.Valid ? new PasswordCheck(user, user.TwoFactorEnabled) : new PasswordCheck(null, false);
    }

    private static bool DummyCheck(string password)
    {
        new PasswordHasher<User>().VerifyHashedPassword(new User(), DummyHash.Value, password);
        return false;
    }

    /// <summary>Checks an authenticator code of a user whose password was right, under the account's lockout.</summary>
    public async Task<bool> CheckTotpAsync(User user, string code, string? clientAddress, CancellationToken cancellationToken) =>
        await credentials.CheckAuthenticatorCodeAsync(new AuditActor(null, "anonymous", clientAddress), user.Id, code, cancellationToken)
            == CredentialCheck.Valid;
}
