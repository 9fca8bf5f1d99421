using KeyPortal.Core.Sessions;

namespace KeyPortal.Portal.Sessions;

/// <summary>Who may use the customer portal.</summary>
public static class PortalAdmission
{
    /// <summary>
    /// Members of at least one organization, and people invited to join one (they see only the
    /// invitations page until they accept). Platform operators are not members by virtue of their
    /// role (SPEC), so an operator without a membership or invitation is refused like anyone else.
    /// </summary>
    public static async Task<bool> IsMemberOfAnOrganizationAsync(User user, UserSession session, PortalDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(db);
        if (await db.Memberships.AnyAsync(m => m.UserId == user.Id, cancellationToken))
        {
            return true;
        }

        var now = DateTimeOffset.UtcNow;
        return await db.Invitations.AnyAsync(i => i.UserId == user.Id && i.Purpose == Core.Invitations.InvitationPurpose.Membership
            && i.UsedAt == null && i.SupersededAt == null && i.ExpiresAt > now, cancellationToken);
    }
}
