namespace KeyPortal.Core.Users;

internal static class UserRowLock
{
    /// <summary>
    /// Takes the user's row lock for the rest of the transaction (PostgreSQL; SQLite write
    /// transactions are exclusive anyway) and reads the user after it: changes to one account
    /// (registrations, removals, resets, links) run one after another, each seeing the last one's.
    /// </summary>
    public static async Task<User> LockUserAsync(this PortalDbContext db, Guid userId, CancellationToken ct)
    {
        var stamp = Guid.NewGuid().ToString();
        var locked = await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.ConcurrencyStamp, stamp), ct);
        if (locked == 0)
        {
            throw new DomainException(DomainErrors.UserNotFound);
        }

        // The caller's unit of work may track the user already, with values from before the lock.
        var user = await db.Users.SingleAsync(u => u.Id == userId, ct);
        await db.Entry(user).ReloadAsync(ct);
        return user;
    }
}
