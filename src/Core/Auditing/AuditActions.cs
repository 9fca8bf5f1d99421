namespace KeyPortal.Core.Auditing;

/// <summary>Stable action codes written to the audit trail.</summary>
public static class AuditActions
{
    public const string OrganizationCreated = "organization.created";
    public const string UserCreated = "user.created";
    public const string UserStateChanged = "user.state_changed";
    public const string MemberAdded = "member.added";
    public const string MemberRemoved = "member.removed";
    public const string MemberRolesChanged = "member.roles_changed";
}
