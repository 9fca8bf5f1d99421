using System.Text.Json;

namespace KeyPortal.Core.Auditing;

/// <summary>
/// Adds audit entries to the unit of work of the given <see cref="PortalDbContext"/>, so an entry
/// is committed with the change it describes, or not at all.
/// </summary>
public sealed class AuditTrail(PortalDbContext db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public AuditEntry Record(
        AuditActor actor,
        string action,
        Guid? organizationId = null,
        Guid? targetUserId = null,
        object? details = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var entry = new AuditEntry
        {
            OccurredAt = clock.GetUtcNow(),
            ActorUserId = actor.UserId,
            Actor = actor.Name,
            ClientAddress = actor.ClientAddress,
            OrganizationId = organizationId,
            TargetUserId = targetUserId,
            Action = action,
            Details = details is null ? "{}" : JsonSerializer.Serialize(details, JsonOptions),
        };
        db.AuditEntries.Add(entry);
        return entry;
    }
}
