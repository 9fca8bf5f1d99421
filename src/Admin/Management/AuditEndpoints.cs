using KeyPortal.Core.Auditing;
using KeyPortal.Core.Delivery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace KeyPortal.Admin.Management;

/// <summary><c>/api/v1/audit</c>: the whole platform's audit trail, filtered, newest first.</summary>
internal static class AuditEndpoints
{
    public static void MapAuditEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/audit", PageAsync)
            .WithTags(ManagementApi.AuditTag)
            .WithName("ReadAuditTrail")
            .WithSummary("The platform's audit trail, newest first")
            .WithDescription("Every part of the filter is optional: `organizationId`, `actor` (exactly as recorded: an email, `system` or `client:<client id>`), "
                + "`targetUserId`, `action` (a prefix such as `user.` or `member.roles_changed`), `from` (inclusive) and `to` (exclusive). "
                + "Paged by position: pass `nextCursor` back as `cursor`.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static async Task<Ok<Page<AuditRecord>>> PageAsync(
        PlatformAuditLog log,
        Guid? organizationId,
        string? actor,
        Guid? targetUserId,
        string? action,
        DateTimeOffset? from,
        DateTimeOffset? to,
        string? cursor,
        int? limit,
        CancellationToken cancellationToken)
    {
        var page = await log.PageAsync(new AuditFilter(organizationId, actor, targetUserId, action, from, to), cursor, limit, cancellationToken);
        return TypedResults.Ok(new Page<AuditRecord>(page.Entries, page.Next));
    }
}
