using Microsoft.AspNetCore.Identity;

namespace KeyPortal.Core.Memberships;

/// <summary>The result of adding a member.</summary>
/// <param name="NeedsActivation">True when the person must activate (a new or re-added Pending account).</param>
public sealed record MemberAdded(User User, Membership Membership, bool IsNewAccount, bool NeedsActivation);

/// <summary>What adding a member does when the address already has a usable account.</summary>
public enum ExistingAccounts
{
    /// <summary>Adds the membership at once: operators and the demo seed.</summary>
    AddDirectly,

    /// <summary>
    /// Refuses with <see cref="DomainErrors.AccountExists"/>: an Owner invites the account
    /// instead, and it joins only when its owner accepts (<c>InvitationService.InviteAsync</c>).
    /// </summary>
    Refuse,
}

/// <summary>
/// Adds and removes members and changes their roles, enforcing the membership rules: at most one
/// organization role, channel roles only in organizations of that kind, and every Customer
/// organization keeps at least one Owner, also when two Owners act at the same instant.
/// </summary>
public sealed class MembershipService(PortalDbContext db, AuditTrail audit, TimeProvider clock, ILookupNormalizer normalizer)
{
    public Task<MemberAdded> AddMemberAsync(
        AuditActor actor, Guid organizationId, string email, MemberRoles roles, CancellationToken cancellationToken = default) =>
        AddMemberAsync(actor, organizationId, email, roles, ExistingAccounts.AddDirectly, cancellationToken);

    public Task<MemberAdded> AddMemberAsync(
        AuditActor actor, Guid organizationId, string email, MemberRoles roles, ExistingAccounts existing, CancellationToken cancellationToken = default) =>
        AddMemberAsync(actor, organizationId, email, roles, existing, andThen: null, cancellationToken);

    /// <summary>
    /// Adds the member and runs <paramref name="andThen"/> in the same transaction (the email about
    /// the addition, say): it commits with the membership or not at all.
    /// </summary>
    public async Task<MemberAdded> AddMemberAsync(
        AuditActor actor, Guid organizationId, string email, MemberRoles roles, ExistingAccounts existing,
        Func<MemberAdded, CancellationToken, Task>? andThen, CancellationToken cancellationToken)
    {
        var address = EmailAddress.Parse(email);
        var normalized = normalizer.NormalizeEmail(address);
        try
        {
            return await AddMemberOnceAsync(actor, organizationId, address, normalized, roles, existing, andThen, cancellationToken);
        }
        catch (DbUpdateException exception) when (DatabaseErrors.IsUniqueViolation(exception))
        {
            // Another organization created the same new account a moment ago; now it exists,
            // so the second attempt adds a membership to it (or refuses, as asked).
            return await AddMemberOnceAsync(actor, organizationId, address, normalized, roles, existing, andThen, cancellationToken);
        }
    }

    /// <summary>
    /// The invited account's owner accepted: the membership is created with the invited roles,
    /// under the organization's lock (the same rules as any other addition). Joins the caller's
    /// transaction.
    /// </summary>
    public Task<Membership> AddAcceptedMemberAsync(
        AuditActor actor, Guid organizationId, User user, MemberRoles roles, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            ArgumentNullException.ThrowIfNull(user);
            var organization = await LockOrganizationAsync(organizationId, ct);
            Membership.EnsureAllowedIn(organization, roles);
            user = await db.LockUserAsync(user.Id, ct);
            if (user.State == UserState.Deactivated)
            {
                throw new DomainException(DomainErrors.UserNotFound);
            }

            if (await db.Memberships.AnyAsync(m => m.OrganizationId == organizationId && m.UserId == user.Id, ct))
            {
                throw new DomainException(DomainErrors.AlreadyMember);
            }

            var membership = Membership.Create(organization, user, roles, clock.GetUtcNow());
            db.Memberships.Add(membership);
            audit.Record(actor, AuditActions.MemberAdded, organizationId, user.Id, new { email = user.Email, roles = roles.ToString(), accepted = true });
            return membership;
        }, cancellationToken);

    public Task RemoveMemberAsync(AuditActor actor, Guid organizationId, Guid userId, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            var organization = await LockOrganizationAsync(organizationId, ct);
            var membership = await FindMembershipAsync(organizationId, userId, ct);
            await db.EnsureNotPlatformOperatorAsync(actor, userId, ct);
            if (organization.IsCustomer && membership.Roles.IsOwner && await CountOwnersAsync(organizationId, ct) <= 1)
            {
                throw new DomainException(DomainErrors.LastOwner);
            }

            // The account's row lock: an organization adding this person at the same moment waits
            // for this decision (or this one sees its membership), so nobody ends up a Deactivated member.
            var user = await db.LockUserAsync(userId, ct);
            db.Memberships.Remove(membership);
            await ApiTokens.ApiTokenService.DeleteForMemberAsync(db, audit, actor, userId, organizationId, "removed from the organization", ct);
            audit.Record(actor, AuditActions.MemberRemoved, organizationId, userId,
                new { email = membership.User.Email, roles = membership.Roles.ToString() });

            var hasOtherMemberships = await db.Memberships.AnyAsync(m => m.UserId == userId && m.Id != membership.Id, ct);
            // Operators' accounts belong to the vendor, not to an organization.
            if (!hasOtherMemberships && !user.IsPlatformOperator)
            {
                ChangeState(actor, user, UserState.Deactivated, "removed from last organization");
                await SessionRevocation.EndAllAsync(db, user.Id, "deactivated", clock.GetUtcNow(), ct);
            }

            return true;
        }, cancellationToken);

    public Task ChangeRolesAsync(
        AuditActor actor, Guid organizationId, Guid userId, MemberRoles roles, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async ct =>
        {
            var organization = await LockOrganizationAsync(organizationId, ct);
            Membership.EnsureAllowedIn(organization, roles);
            var membership = await FindMembershipAsync(organizationId, userId, ct);
            var previous = membership.Roles;
            if (previous == roles)
            {
                return false;
            }

            if (organization.IsCustomer && previous.IsOwner && !roles.IsOwner && await CountOwnersAsync(organizationId, ct) <= 1)
            {
                throw new DomainException(DomainErrors.LastOwner);
            }

            membership.ChangeRoles(roles);
            if (!Authorization.PermissionMatrix.Allows(roles, Authorization.Permission.GenerateApiToken))
            {
                // SPEC API tokens die with the right to generate them. The account's row lock
                // first: a token being generated at this moment (under the same lock) is either
                // committed before, and deleted here, or sees the new role and is refused.
                await db.LockUserAsync(userId, ct);
                await ApiTokens.ApiTokenService.DeleteForMemberAsync(db, audit, actor, userId, organizationId, "no longer allowed to generate API tokens", ct);
            }

            audit.Record(actor, AuditActions.MemberRolesChanged, organizationId, userId,
                new { email = membership.User.Email, from = previous.ToString(), to = roles.ToString() });
            return true;
        }, cancellationToken);

    private Task<MemberAdded> AddMemberOnceAsync(
        AuditActor actor, Guid organizationId, string address, string normalized, MemberRoles roles, ExistingAccounts existing, Func<MemberAdded, CancellationToken, Task>? andThen,
        CancellationToken cancellationToken) =>
        db.InTransactionAsync(async ct =>
        {
            var organization = await LockOrganizationAsync(organizationId, ct);
            Membership.EnsureAllowedIn(organization, roles);

            // SSO organizations sign their members in through their own IdP: no activation.
            var initialState = organization.Sso.Enabled ? UserState.Active : UserState.Pending;
            var now = clock.GetUtcNow();
            var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, ct);
            if (user is not null)
            {
                // After a concurrent removal of the person's last membership, or before it: never during.
                user = await db.LockUserAsync(user.Id, ct);
            }

            var isNewAccount = user is null;
            if (user is null)
            {
                user = User.Create(address, normalized, initialState, now);
                db.Users.Add(user);
                audit.Record(actor, AuditActions.UserCreated, organizationId, user.Id, new { email = address, state = initialState.ToString() });
            }
            else if (await db.Memberships.AnyAsync(m => m.OrganizationId == organizationId && m.UserId == user.Id, ct))
            {
                throw new DomainException(DomainErrors.AlreadyMember);
            }
            else if (existing == ExistingAccounts.Refuse && user.State != UserState.Deactivated)
            {
                throw new DomainException(DomainErrors.AccountExists);
            }
            else if (user.State == UserState.Deactivated)
            {
                ChangeState(actor, user, initialState, "added to an organization again");
            }

            var membership = Membership.Create(organization, user, roles, now);
            db.Memberships.Add(membership);
            audit.Record(actor, AuditActions.MemberAdded, organizationId, user.Id, new { email = user.Email, roles = roles.ToString() });
            var added = new MemberAdded(user, membership, isNewAccount, user.State == UserState.Pending);
            if (andThen is not null)
            {
                await andThen(added, ct);
            }

            return added;
        }, cancellationToken);

    /// <summary>The organization's row lock for the rest of the transaction (<see cref="OrganizationRowLock"/>).</summary>
    internal Task<Organization> LockOrganizationAsync(Guid organizationId, CancellationToken cancellationToken) =>
        db.LockOrganizationAsync(organizationId, cancellationToken);

    private async Task<Membership> FindMembershipAsync(Guid organizationId, Guid userId, CancellationToken cancellationToken) =>
        await db.Memberships.Include(m => m.User).Include(m => m.Organization)
            .SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.UserId == userId, cancellationToken)
        ?? throw new DomainException(DomainErrors.MembershipNotFound);

    private Task<int> CountOwnersAsync(Guid organizationId, CancellationToken cancellationToken) =>
        db.Memberships.CountAsync(m => m.OrganizationId == organizationId && m.OrganizationRole == OrganizationRole.Owner, cancellationToken);

    private void ChangeState(AuditActor actor, User user, UserState to, string reason)
    {
        var from = user.State;
        user.TransitionTo(to, clock.GetUtcNow());
        audit.Record(actor, AuditActions.UserStateChanged, null, user.Id, new { from = from.ToString(), to = to.ToString(), reason });
    }
}
