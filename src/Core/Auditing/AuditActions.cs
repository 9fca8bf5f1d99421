namespace KeyPortal.Core.Auditing;

/// <summary>Stable action codes written to the audit trail.</summary>
public static class AuditActions
{
    public const string OrganizationCreated = "organization.created";
    public const string UserCreated = "user.created";
    public const string UserStateChanged = "user.state_changed";
    public const string PasskeyRegistered = "passkey.registered";
    public const string PasskeyRenamed = "passkey.renamed";
    public const string PasskeyRemoved = "passkey.removed";
    public const string PasswordChanged = "credential.password_changed";
    public const string TotpDisabled = "credential.totp_disabled";
    public const string TotpEnabled = "credential.totp_enabled";
    public const string PasskeySignCountRegressed = "passkey.sign_count_regressed";
    public const string PasskeyBackupEligibleRefused = "passkey.backup_eligible_refused";
    public const string OperatorGranted = "user.operator_granted";
    public const string PasswordRemoved = "credential.password_removed";
    public const string MemberAdded = "member.added";
    public const string MemberInvited = "member.invited";
    public const string MemberInvitationAccepted = "member.invitation_accepted";
    public const string MemberInvitationDeclined = "member.invitation_declined";
    public const string MemberInvitationWithdrawn = "member.invitation_withdrawn";
    public const string MemberRemoved = "member.removed";
    public const string MemberRolesChanged = "member.roles_changed";
    public const string SignInSucceeded = "signin.succeeded";
    public const string SignInFailed = "signin.failed";
    public const string SignedOut = "signin.signed_out";
    public const string UserReset = "user.reset";
    public const string PasswordSet = "credential.password_set";
    public const string PasswordResetRequested = "credential.password_reset_requested";
    public const string PasswordReset = "credential.password_reset";
    public const string InvitationCreated = "invitation.created";
    public const string InvitationCodeSent = "invitation.code_sent";
    public const string InvitationCodeVerified = "invitation.code_verified";
    public const string InvitationCodeFailed = "invitation.code_failed";
    public const string InvitationLocked = "invitation.locked";
    public const string InvitationUsed = "invitation.used";
    public const string InvitationRefused = "invitation.refused";
    public const string OrganizationSwitched = "organization.switched";
    public const string AuditExported = "audit.exported";
    public const string SsoConfigured = "sso.configured";
    public const string SsoEnabled = "sso.enabled";
    public const string SsoDisabled = "sso.disabled";
    public const string SsoTested = "sso.tested";
    public const string SsoDomainClaimed = "sso.domain_claimed";
    public const string SsoDomainVerified = "sso.domain_verified";
    public const string SsoDomainRemoved = "sso.domain_removed";
    public const string ApiTokenGenerated = "api_token.generated";
    public const string ApiTokenRevoked = "api_token.revoked";
    public const string PurchaseOrderCreated = "purchase_order.created";
    public const string ShipmentRequested = "shipment.requested";
    public const string ShipmentUpdated = "shipment.updated";
    public const string ShipmentCancelled = "shipment.cancelled";
    public const string ShipmentStateChanged = "shipment.state_changed";
    public const string AddressValidationOverridden = "shipment.address_override";
    public const string ShipmentsExported = "shipment.exported";
}
