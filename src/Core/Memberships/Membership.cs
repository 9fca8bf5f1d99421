namespace KeyPortal.Core.Memberships;

/// <summary>A user's place in one organization, with their roles there.</summary>
public sealed class Membership
{
    private Membership()
    {
    }

    public Guid Id { get; private set; }

    public Guid OrganizationId { get; private set; }

    public Organization Organization { get; private set; } = null!;

    public Guid UserId { get; private set; }

    public User User { get; private set; } = null!;

    public OrganizationRole? OrganizationRole { get; private set; }

    public ChannelRoles ChannelRoles { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public MemberRoles Roles => new(OrganizationRole, ChannelRoles);

    internal static Membership Create(Organization organization, User user, MemberRoles roles, DateTimeOffset now)
    {
        EnsureAllowedIn(organization, roles);
        return new Membership
        {
            Id = Guid.CreateVersion7(now),
            OrganizationId = organization.Id,
            Organization = organization,
            UserId = user.Id,
            User = user,
            OrganizationRole = roles.OrganizationRole,
            ChannelRoles = roles.ChannelRoles,
            CreatedAt = now,
        };
    }

    internal void ChangeRoles(MemberRoles roles)
    {
        EnsureAllowedIn(Organization, roles);
        OrganizationRole = roles.OrganizationRole;
        ChannelRoles = roles.ChannelRoles;
    }

    /// <summary>Channel roles exist only in organizations of that kind; a member needs some role.</summary>
    public static void EnsureAllowedIn(Organization organization, MemberRoles roles)
    {
        ArgumentNullException.ThrowIfNull(organization);
        if (roles.IsEmpty)
        {
            throw new DomainException(DomainErrors.NoRole);
        }

        if (roles.OrganizationRole is { } role && !Enum.IsDefined(role))
        {
            throw new DomainException(DomainErrors.RoleUnknown);
        }

        if ((roles.ChannelRoles & ~(ChannelRoles.Reseller | ChannelRoles.Distributor)) != 0)
        {
            throw new DomainException(DomainErrors.RoleUnknown);
        }

        var offered = MemberRoles.ChannelRolesOf(organization.Kind);
        foreach (var channel in (ChannelRoles[])[ChannelRoles.Reseller, ChannelRoles.Distributor])
        {
            if (roles.ChannelRoles.HasFlag(channel) && !offered.HasFlag(channel))
            {
                throw new DomainException(DomainErrors.ChannelRoleNotAllowed(channel));
            }
        }
    }
}
