namespace KeyPortal.Admin.Management;

/// <summary>
/// Who besides platform operators may call the console's API (section <c>Management</c>).
/// </summary>
public sealed class ManagementOptions
{
    public const string SectionName = "Management";

    /// <summary>The scope the IdP grants operators' tools (its <c>operator</c> scope).</summary>
    public const string OperatorScope = "operator";

    /// <summary>
    /// Client ids whose own tokens (client credentials) act as a platform operator, when they carry
    /// <see cref="OperatorScope"/>. An explicit allow-list: no other client's token is taken,
    /// whatever its scopes. Default: none. Development names <c>console-automation</c>, the client
    /// the IdP's development settings register.
    /// </summary>
    public List<string> AutomationClients { get; set; } = [];
}
