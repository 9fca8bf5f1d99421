using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Account;

/// <summary>"Change password" on the account page: the current password, then the new one under Identity's rules.</summary>
public sealed class PasswordChange(PortalDbContext db, UserManager<User> users, CurrentPasswordCheck current, AuditTrail audit, TimeProvider clock)
{
    /// <summary>Changes the password; every other session and token of the account ends. Returns the account's new stamp.</summary>
    public async Task<string?> ChangeAsync(
        AuditActor actor, Guid userId, Guid sessionId, string? currentPassword, string? newPassword, string? confirmPassword, CancellationToken cancellationToken)
    {
        if (!string.Equals(newPassword, confirmPassword, StringComparison.Ordinal))
        {
            throw new DomainException(DomainErrors.PasswordsDiffer);
        }

        await current.VerifyAsync(actor, userId, currentPassword, cancellationToken);
        return await db.InTransactionAsync(async inner =>
        {
            var user = await db.Users.SingleAsync(u => u.Id == userId, inner);
            var result = await users.ChangePasswordAsync(user, currentPassword ?? "", newPassword ?? "");
            if (!result.Succeeded)
            {
                throw new DomainException(result.Errors.Any(e => e.Code == "PasswordMismatch")
                    ? AccountErrors.CurrentPasswordWrong
                    : DomainErrors.PasswordInvalid(result.Errors.Select(e => e.Description)));
            }

            // Every other session and token of the account ends; this one continues with the new stamp.
            await SessionRevocation.EndOthersAfterCredentialChangeAsync(db, user, sessionId, "password changed", clock.GetUtcNow(), inner);
            audit.Record(actor, AuditActions.PasswordChanged, null, user.Id);
            return user.SecurityStamp;
        }, cancellationToken);
    }
}
