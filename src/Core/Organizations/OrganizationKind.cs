namespace KeyPortal.Core.Organizations;

/// <summary>What an organization is to the vendor; any non-empty combination.</summary>
[Flags]
public enum OrganizationKind
{
    None = 0,
    Customer = 1,
    Reseller = 2,
    Distributor = 4,
}
