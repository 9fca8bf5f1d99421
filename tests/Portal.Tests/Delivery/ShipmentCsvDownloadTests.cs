using System.Globalization;
using System.Net;
using CsvHelper;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Memberships;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Portal.Tests.Delivery;

/// <summary>Download CSV (Owners only): the rows of the list's filters, formula cells defused, and an audit entry of who took which rows.</summary>
[Collection(DeliveryFixture.Collection)]
public sealed class ShipmentCsvDownloadTests(DeliveryFixture fixture)
{
    private const string Formula = "=HYPERLINK(\"http://x\")";

    [Fact]
    public async Task An_owner_downloads_the_filtered_rows_with_formula_cells_escaped_and_the_download_is_audited()
    {
        var world = await fixture.WorldAsync();
        var formula = await fixture.ShipmentAsync(world.Owner, world.Customer.Id, world.Order, Recipients.Seeded with { RecipientName = Formula });
        await fixture.MoveAsync(formula.Id, ShipmentState.InProgress);
        using var browser = await fixture.SignedInAsync(world.Owner);
        var list = await browser.GetStringAsync(new Uri("/shipments?state=InProgress", UriKind.Relative));
        Assert.Contains("href=\"/shipments/export.csv?state=InProgress\" id=\"download-csv\"", list, StringComparison.Ordinal);
        var clock = fixture.Services.GetRequiredService<TimeProvider>();
        var days = new List<string> { Day(clock.GetUtcNow()) };

        using var all = await browser.GetAsync(new Uri("/shipments/export.csv", UriKind.Relative));

        days.Add(Day(clock.GetUtcNow()));
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal("text/csv", all.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", all.Content.Headers.ContentType?.CharSet);
        var disposition = all.Content.Headers.ContentDisposition?.ToString() ?? string.Join(",", all.Headers.GetValues("Content-Disposition"));
        Assert.Contains(disposition, days.Select(d => $"attachment; filename=\"shipments-{world.Customer.Slug}-{d}.csv\""));
        Assert.Contains("no-store", all.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        var rows = Parse(await all.Content.ReadAsStringAsync());
        Assert.Equal("Shipment", rows[0][0]);
        var recipientColumn = Array.IndexOf(rows[0], "Recipient");
        var byId = rows.Skip(1).ToDictionary(r => Guid.Parse(r[0]));
        Assert.Equal([world.Shipment.Id, formula.Id], byId.Keys.Order());
        Assert.Equal(Recipients.Seeded.RecipientName, byId[world.Shipment.Id][recipientColumn]);
        // A spreadsheet reads the cell as text, not as a formula that opens a link.
        Assert.Equal("'" + Formula, byId[formula.Id][recipientColumn]);
        Assert.Equal(world.Order.Number, byId[formula.Id][1]);

        using var filtered = await browser.GetAsync(new Uri($"/shipments/export.csv?state=InProgress&purchaseOrderId={world.Order.Id}", UriKind.Relative));
        var only = Parse(await filtered.Content.ReadAsStringAsync());
        Assert.Equal([formula.Id.ToString()], only.Skip(1).Select(r => r[0]));

        var exports = await fixture.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(a => a.Action == AuditActions.ShipmentsExported && a.OrganizationId == world.Customer.Id)
            .OrderBy(a => a.Id).ToListAsync());
        Assert.Equal(2, exports.Count);
        Assert.All(exports, e => Assert.Equal(world.Owner.Id, e.ActorUserId));
        Assert.Contains("\"state\":\"InProgress\"", exports[1].Details, StringComparison.Ordinal);
        Assert.Contains(world.Order.Id.ToString(), exports[1].Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admins_and_auditors_are_refused_the_download_and_not_offered_it_and_nothing_is_recorded()
    {
        var world = await fixture.WorldAsync();
        foreach (var roles in new[] { MemberRoles.Admin, MemberRoles.Auditor })
        {
            var member = await fixture.Members.AddAsync(world.Customer.Id, roles);
            using var browser = await fixture.SignedInAsync(member);
            var before = await fixture.SnapshotAsync(world.Customer.Id);

            using var refused = await browser.GetAsync(new Uri("/shipments/export.csv", UriKind.Relative));

            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var page = await refused.Content.ReadAsStringAsync();
            Assert.Contains("id=\"refusal\"", page, StringComparison.Ordinal);
            Assert.DoesNotContain(Recipients.Seeded.RecipientName, page, StringComparison.Ordinal);
            Assert.Null(refused.Content.Headers.ContentDisposition);
            Assert.Equal(before, await fixture.SnapshotAsync(world.Customer.Id));
            Assert.DoesNotContain("id=\"download-csv\"", await browser.GetStringAsync(new Uri("/shipments", UriKind.Relative)), StringComparison.Ordinal);
        }
    }

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static List<string[]> Parse(string csv)
    {
        using var reader = new CsvReader(new StringReader(csv.TrimStart('\uFEFF')), CultureInfo.InvariantCulture);
        var rows = new List<string[]>();
        while (reader.Read())
        {
            rows.Add(reader.Parser.Record ?? []);
        }

        return rows;
    }
}
