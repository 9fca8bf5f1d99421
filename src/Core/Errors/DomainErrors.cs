namespace KeyPortal.Core.Errors;

/// <summary>Every refusal the domain can produce, in one place, each with a stable code.</summary>
public static class DomainErrors
{
    public static readonly DomainError EmailInvalid =
        new("email.invalid", "Enter a valid email address, such as name@example.com.");

    public static readonly DomainError RoleUnknown =
        new("role.unknown", "Unknown role. Choose Owner, Admin, Auditor, Reseller or Distributor.");

    public static readonly DomainError MultipleOrganizationRoles =
        new("membership.multiple_organization_roles", "A member can hold at most one of Owner, Admin and Auditor.");

    public static readonly DomainError NoRole =
        new("membership.no_role", "Give the member an organization role or a channel role.");

    public static DomainError ChannelRoleNotAllowed(ChannelRoles role) =>
        new("membership.channel_role_not_allowed", $"The {role} role can only be given in an organization of kind {role}.");

    public static readonly DomainError AlreadyMember =
        new("membership.duplicate", "This person is already a member of the organization.", DomainErrorKind.Conflict);

    public static readonly DomainError MembershipNotFound =
        new("membership.not_found", "This person is not a member of the organization.", DomainErrorKind.NotFound);

    public static readonly DomainError LastOwner =
        new("organization.last_owner", "An organization must keep at least one Owner. Make another member Owner first.", DomainErrorKind.Conflict);

    public static readonly DomainError OrganizationNotFound =
        new("organization.not_found", "The organization does not exist.", DomainErrorKind.NotFound);

    public static readonly DomainError OrganizationNameInvalid =
        new("organization.name_invalid", "Enter an organization name of 1 to 200 characters.");

    public static readonly DomainError OrganizationSlugInvalid =
        new("organization.slug_invalid", "The short name may use 2 to 63 lowercase letters, digits and hyphens, and must start with a letter or digit.");

    public static readonly DomainError OrganizationSlugTaken =
        new("organization.slug_taken", "Another organization already uses this short name.", DomainErrorKind.Conflict);

    public static readonly DomainError OrganizationKindEmpty =
        new("organization.kind_empty", "Choose at least one of Customer, Reseller and Distributor.");

    public static readonly DomainError UserNotFound =
        new("user.not_found", "The user does not exist.", DomainErrorKind.NotFound);

    public static DomainError IllegalTransition(UserState from, UserState to) =>
        new("user.illegal_transition", $"A user in state {UserStateNames.Display(from)} cannot become {UserStateNames.Display(to)}.", DomainErrorKind.Conflict);
}
