using KeyPortal.Core.Auditing;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Account;

/// <summary>
/// The current password, asked before a password change and before authenticator-app codes are
/// set up or turned off: a wrong one counts toward the account's lockout like a failed sign-in
/// and is audited, and a locked-out account is refused whatever it types.
/// </summary>
public sealed class CurrentPasswordCheck(PortalDbContext db, UserManager<User> users, LegacyCredentials credentials)
{
    public async Task VerifyAsync(AuditActor actor, Guid userId, string? password, CancellationToken cancellationToken)
    {
        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        var valid = await users.CheckPasswordAsync(user, password ?? "");
        db.Entry(user).State = EntityState.Detached;
        if (await credentials.RecordPasswordAsync(actor, user.Id, valid, "account", cancellationToken) != CredentialCheck.Valid)
        {
            throw new DomainException(AccountErrors.CurrentPasswordWrong);
        }
    }
}
