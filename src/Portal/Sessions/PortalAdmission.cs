namespace KeyPortal.Portal.Sessions;

/// <summary>Who may use the customer portal.</summary>
public static class PortalAdmission
{
    /// <summary>
    /// Members of at least one organization. Platform operators are not members by virtue of
    /// their role (SPEC), so an operator without a membership is refused like anyone else.
    /// </summary>
    public static Task<bool> IsMemberOfAnOrganizationAsync(User user, PortalDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(db);
        return db.Memberships.AnyAsync(m => m.UserId == user.Id, cancellationToken);
    }
}
