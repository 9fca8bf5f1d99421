namespace KeyPortal.Core.Authorization;

/// <summary>What a member may do in an organization (SPEC: Roles and permissions).</summary>
public enum Permission
{
    ManageMembers,
    ChangeMemberRoles,
    ResetMemberCredentials,
    EditShipmentRequests,
    CorrectShippingAddresses,
    ViewOrganization,
    ManagePersonalCredentials,
    ViewMembers,
    GenerateApiToken,
    OverrideAddressValidation,
    DownloadCsv,

    /// <summary>SPEC: Owners, Admins and Auditors can read their organization's audit trail.</summary>
    ViewAuditTrail,

    /// <summary>SPEC: Owners configure single sign-on.</summary>
    ConfigureSso,

    /// <summary>Reseller and Distributor roles: purchase orders naming the organization as channel partner.</summary>
    ViewChannelPurchaseOrders,
}
