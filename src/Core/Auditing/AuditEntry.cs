namespace KeyPortal.Core.Auditing;

/// <summary>One recorded change or sign-in event: who, what, where, when, from which address.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>The acting user; null for the system itself or an anonymous caller.</summary>
    public Guid? ActorUserId { get; set; }

    /// <summary>The actor as shown to readers (email, "system", an API client id).</summary>
    public string Actor { get; set; } = "";

    public Guid? OrganizationId { get; set; }

    public Guid? TargetUserId { get; set; }

    /// <summary>Stable action code from <see cref="AuditActions"/>.</summary>
    public string Action { get; set; } = "";

    /// <summary>JSON object with the action's particulars (old and new roles, reasons, ...).</summary>
    public string Details { get; set; } = "{}";

    public string? ClientAddress { get; set; }
}
