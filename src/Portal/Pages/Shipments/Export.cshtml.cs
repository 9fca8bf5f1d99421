using System.Globalization;
using System.Text;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Authorization;
using KeyPortal.Core.Delivery;
using KeyPortal.Hosting;
using KeyPortal.Hosting.Authorization;
using KeyPortal.Portal.Organizations;
using Microsoft.AspNetCore.Mvc;

namespace KeyPortal.Portal.Pages.Shipments;

/// <summary>
/// Download CSV: the shipment requests the list's filters select, with their recipients, as a
/// spreadsheet file. Owners only (DownloadCsv). A GET, so a link can start it and nothing guards it
/// against being started from another site: it is a plain read plus the audit entry saying who took a
/// copy of which rows, and changes nothing else. Rows are streamed from the database as written.
/// </summary>
[RequirePermission(Permission.DownloadCsv)]
public sealed class ExportModel(CurrentMember organization, PortalDbContext db, DeliveryQueries queries, AuditTrail audit, TimeProvider clock)
    : OrganizationPageModel(organization)
{
    public const string Path = "/shipments/export.csv";

    [BindProperty(SupportsGet = true)]
    public ShipmentState? State { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? PurchaseOrderId { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var filter = new ShipmentFilter(State, PurchaseOrderId);
        // Who took a copy of the recipients, and of which rows, is recorded before the first row leaves.
        audit.Record(await HttpContext.SignedInActorAsync(db), AuditActions.ShipmentsExported, Current.Id, null,
            new { state = State?.ToString(), purchaseOrder = PurchaseOrderId });
        await db.SaveChangesAsync(cancellationToken);

        var date = clock.GetUtcNow().UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        Response.ContentType = ShipmentCsv.ContentType;
        // The short name is lowercase letters, digits and hyphens: safe between the quotes as it is.
        Response.Headers.ContentDisposition = $"attachment; filename=\"shipments-{Current.Slug}-{date}.csv\"";
        Response.Headers.CacheControl = "no-store";
        // With a byte order mark, spreadsheets read the file as UTF-8 (names with accents stay whole).
        await using var writer = new StreamWriter(Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), leaveOpen: true);
        await ShipmentCsv.WriteAsync(writer, queries.AllShipmentsAsync(Current.Id, filter, cancellationToken), cancellationToken);
        await writer.FlushAsync(cancellationToken);
        return new EmptyResult();
    }
}
