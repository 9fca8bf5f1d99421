using System.Net;
using System.Text.RegularExpressions;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Memberships;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.Portal.Tests.Delivery;

/// <summary>
/// Shipment requests through their pages: create within what remains, messages next to the fields,
/// the address override with its reason, editing while requested, correcting the address only
/// once in progress, and cancelling.
/// </summary>
[Collection(DeliveryFixture.Collection)]
public sealed partial class ShipmentPageTests(DeliveryFixture fixture)
{
    [Fact]
    public async Task An_admin_creates_a_shipment_request_from_the_order_and_it_is_audited()
    {
        var world = await fixture.WorldAsync();
        var admin = await fixture.Members.AddAsync(world.Customer.Id, MemberRoles.Admin);
        using var browser = await fixture.SignedInAsync(admin);
        var form = await browser.GetStringAsync(new Uri($"/shipments/new?purchaseOrderId={world.Order.Id}", UriKind.Relative));
        Assert.Contains("<option value=\"SE\">Sweden</option>", form, StringComparison.Ordinal);
        Assert.Contains($"name=\"Quantity[{world.Order.Lines[1].Id}]\"", form, StringComparison.Ordinal);

        using var created = await DeliveryFixture.PostAsync(browser, $"/shipments/new?purchaseOrderId={world.Order.Id}",
            [.. Recipients.Form(), Quantity(world, 0, "3"), Quantity(world, 1, "2")]);

        Assert.True(created.StatusCode == HttpStatusCode.Redirect, await created.Content.ReadAsStringAsync());
        var id = Guid.Parse(CreatedPath().Match(created.Headers.Location!.OriginalString).Groups[1].Value);
        var shipment = await fixture.WithDbAsync(db => db.ShipmentRequests.AsNoTracking().Include(s => s.Items).SingleAsync(s => s.Id == id));
        Assert.Equal(("Ingrid Valdemarsdottir", ShipmentState.Requested, world.Customer.Id), (shipment.RecipientName, shipment.State, shipment.OrganizationId));
        Assert.Equal([(world.Order.Lines[0].Id, 3), (world.Order.Lines[1].Id, 2)],
            shipment.Items.OrderBy(i => i.PurchaseOrderLineId == world.Order.Lines[0].Id ? 0 : 1).Select(i => (i.PurchaseOrderLineId, i.Quantity)));
        Assert.True(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a =>
            a.Action == AuditActions.ShipmentRequested && a.OrganizationId == world.Customer.Id && a.ActorUserId == admin.Id && a.Details.Contains(id.ToString()))));
        var page = await browser.GetStringAsync(new Uri($"/shipments/{id}?done=created", UriKind.Relative));
        Assert.Contains("Ingrid Valdemarsdottir", page, StringComparison.Ordinal);
        var items = WebUtility.HtmlDecode(ItemsFact().Match(page).Groups[1].Value).Split(", ");
        Assert.Equal(["2 × YubiKey 5C", "3 × YubiKey 5 NFC"], items.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task More_than_remains_and_a_missing_name_are_shown_next_to_their_fields_and_save_nothing()
    {
        var world = await fixture.WorldAsync();
        using var browser = await fixture.SignedInAsync(world.Owner);
        var before = await fixture.SnapshotAsync(world.Customer.Id);

        // 5 of the 100 are on the world's request already.
        using var tooMany = await DeliveryFixture.PostAsync(browser, $"/shipments/new?purchaseOrderId={world.Order.Id}",
            [.. Recipients.Form(), Quantity(world, 0, "96")]);
        Assert.Equal(HttpStatusCode.Conflict, tooMany.StatusCode);
        var page = await tooMany.Content.ReadAsStringAsync();
        Assert.Matches(FieldError($"Quantity[{world.Order.Lines[0].Id}]", "Only 95 YubiKey 5 NFC remain on this order."), page);
        Assert.Contains($"aria-describedby=\"Quantity-{world.Order.Lines[0].Id}-error\"", page, StringComparison.Ordinal);
        // What was entered is still there, to correct.
        Assert.Contains("value=\"Drottninggatan 1\"", page, StringComparison.Ordinal);

        using var nameless = await DeliveryFixture.PostAsync(browser, $"/shipments/new?purchaseOrderId={world.Order.Id}",
            [.. Recipients.Form(name: ""), Quantity(world, 0, "1")]);
        Assert.Equal(HttpStatusCode.BadRequest, nameless.StatusCode);
        var namelessPage = await nameless.Content.ReadAsStringAsync();
        Assert.Matches(FieldError("RecipientName", null), namelessPage);
        // A missing name is no matter of opinion: nothing to override.
        Assert.DoesNotContain("id=\"OverrideValidation\"", namelessPage, StringComparison.Ordinal);

        using var nothing = await DeliveryFixture.PostAsync(browser, $"/shipments/new?purchaseOrderId={world.Order.Id}", [.. Recipients.Form()]);
        Assert.Equal(HttpStatusCode.BadRequest, nothing.StatusCode);
        Assert.Contains("data-testid=\"form-problem\"", await nothing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.SnapshotAsync(world.Customer.Id));
    }

    [Fact]
    public async Task An_invalid_postal_code_is_shown_at_its_field_and_kept_with_a_reason_which_is_saved_and_audited()
    {
        var world = await fixture.WorldAsync();
        var admin = await fixture.Members.AddAsync(world.Customer.Id, MemberRoles.Admin);
        using var browser = await fixture.SignedInAsync(admin);
        var path = $"/shipments/new?purchaseOrderId={world.Order.Id}";
        var before = await fixture.SnapshotAsync(world.Customer.Id);

        using var refused = await DeliveryFixture.PostAsync(browser, path, [.. Recipients.Form(postalCode: "ABCDE"), Quantity(world, 0, "1")]);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var page = await refused.Content.ReadAsStringAsync();
        Assert.Matches(FieldError("PostalCode", null), page);
        Assert.Contains("id=\"PostalCode\" name=\"PostalCode\" value=\"ABCDE\"", page, StringComparison.Ordinal);
        Assert.Contains("id=\"OverrideValidation\"", page, StringComparison.Ordinal);
        Assert.Contains("id=\"override-explained\"", page, StringComparison.Ordinal);

        // Ticked without a reason: still refused, and the reason is asked for at its field.
        using var noReason = await DeliveryFixture.PostAsync(browser, path,
            [.. Recipients.Form(postalCode: "ABCDE", overrideReason: " "), Quantity(world, 0, "1")]);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Matches(FieldError("OverrideReason", "Give the reason for keeping the address as it is."), await noReason.Content.ReadAsStringAsync());
        Assert.Equal(before, await fixture.SnapshotAsync(world.Customer.Id));

        const string reason = "New building; the recipient confirmed the code by phone.";
        using var kept = await DeliveryFixture.PostAsync(browser, path,
            [.. Recipients.Form(postalCode: "ABCDE", overrideReason: reason), Quantity(world, 0, "1")]);

        Assert.True(kept.StatusCode == HttpStatusCode.Redirect, await kept.Content.ReadAsStringAsync());
        var id = Guid.Parse(CreatedPath().Match(kept.Headers.Location!.OriginalString).Groups[1].Value);
        var shipment = await fixture.WithDbAsync(db => db.ShipmentRequests.AsNoTracking().SingleAsync(s => s.Id == id));
        Assert.Equal(("ABCDE", reason), (shipment.PostalCode, shipment.ValidationOverrideReason));
        var audit = await fixture.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(a => a.Action == AuditActions.AddressValidationOverridden && a.OrganizationId == world.Customer.Id && a.Details.Contains(id.ToString()))
            .ToListAsync());
        var entry = Assert.Single(audit);
        Assert.Equal(admin.Id, entry.ActorUserId);
        Assert.Contains(reason, entry.Details, StringComparison.Ordinal);
        var details = await browser.GetStringAsync(new Uri($"/shipments/{id}", UriKind.Relative));
        Assert.Contains(reason, WebUtility.HtmlDecode(details), StringComparison.Ordinal);

        // Editing it again offers the override as it stands, so saving keeps address and reason.
        var edit = await browser.GetStringAsync(new Uri($"/shipments/{id}/edit", UriKind.Relative));
        Assert.Contains("id=\"OverrideValidation\" name=\"OverrideValidation\" value=\"true\" checked=\"checked\"", edit, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(reason), edit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_requested_shipment_is_edited_items_included()
    {
        var world = await fixture.WorldAsync();
        using var browser = await fixture.SignedInAsync(world.Owner);
        var path = $"/shipments/{world.Shipment.Id}/edit";
        var form = await browser.GetStringAsync(new Uri(path, UriKind.Relative));
        Assert.Contains($"value=\"{WebUtility.HtmlEncode(Recipients.Seeded.Street)}\"", form, StringComparison.Ordinal);
        Assert.Contains($"name=\"Quantity[{world.Order.Lines[0].Id}]\" value=\"5\"", form, StringComparison.Ordinal);

        using var saved = await DeliveryFixture.PostAsync(browser, path,
            [.. Recipients.Form(name: "Zebulon Q. Marsh"), Quantity(world, 0, "7"), Quantity(world, 1, "1")]);

        Assert.True(saved.StatusCode == HttpStatusCode.Redirect, await saved.Content.ReadAsStringAsync());
        Assert.Equal($"/shipments/{world.Shipment.Id}?done=saved", saved.Headers.Location?.OriginalString);
        var shipment = await fixture.WithDbAsync(db => db.ShipmentRequests.AsNoTracking().Include(s => s.Items).SingleAsync(s => s.Id == world.Shipment.Id));
        Assert.Equal("Zebulon Q. Marsh", shipment.RecipientName);
        Assert.Equal([1, 7], shipment.Items.Select(i => i.Quantity).Order());
        Assert.True(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a =>
            a.Action == AuditActions.ShipmentUpdated && a.OrganizationId == world.Customer.Id && a.Details.Contains(world.Shipment.Id.ToString()))));
    }

    [Fact]
    public async Task Once_in_progress_only_the_address_can_be_corrected_and_once_shipped_nothing()
    {
        var world = await fixture.WorldAsync();
        await fixture.MoveAsync(world.Shipment.Id, ShipmentState.InProgress);
        using var browser = await fixture.SignedInAsync(world.Owner);
        var path = $"/shipments/{world.Shipment.Id}/edit";
        var details = await browser.GetStringAsync(new Uri($"/shipments/{world.Shipment.Id}", UriKind.Relative));
        Assert.Contains("id=\"correct-address\"", details, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"cancel-shipment\"", details, StringComparison.Ordinal);
        var form = await browser.GetStringAsync(new Uri(path, UriKind.Relative));
        Assert.Contains("id=\"items-locked\"", form, StringComparison.Ordinal);
        Assert.Contains("<h1>Correct address</h1>", form, StringComparison.Ordinal);

        // The quantity sent is ignored: the items are being packed.
        using var corrected = await DeliveryFixture.PostAsync(browser, path, [.. Recipients.Form(name: "Zebulon Quixote-Marsh"), Quantity(world, 0, "9")]);

        Assert.True(corrected.StatusCode == HttpStatusCode.Redirect, await corrected.Content.ReadAsStringAsync());
        var shipment = await fixture.WithDbAsync(db => db.ShipmentRequests.AsNoTracking().Include(s => s.Items).SingleAsync(s => s.Id == world.Shipment.Id));
        Assert.Equal(("Drottninggatan 1", ShipmentState.InProgress), (shipment.Street, shipment.State));
        Assert.Equal(5, Assert.Single(shipment.Items).Quantity);

        using var cancel = await DeliveryFixture.PostAsync(browser, $"/shipments/{world.Shipment.Id}?handler=Cancel");
        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);

        await fixture.MoveAsync(world.Shipment.Id, ShipmentState.Shipped);
        var before = await fixture.SnapshotAsync(world.Customer.Id);
        using var closedForm = await browser.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Conflict, closedForm.StatusCode);
        Assert.DoesNotContain("id=\"shipment-form\"", await closedForm.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var closed = await DeliveryFixture.PostAsync(browser, path, [.. Recipients.Form(name: "Someone Else"), Quantity(world, 0, "5")]);
        Assert.Equal(HttpStatusCode.Conflict, closed.StatusCode);
        Assert.Equal(before, await fixture.SnapshotAsync(world.Customer.Id));
    }

    [Fact]
    public async Task Cancelling_a_requested_shipment_asks_first_frees_its_keys_and_is_audited()
    {
        var world = await fixture.WorldAsync();
        using var browser = await fixture.SignedInAsync(world.Owner);
        var details = await browser.GetStringAsync(new Uri($"/shipments/{world.Shipment.Id}", UriKind.Relative));
        Assert.Contains("id=\"cancel-dialog\"", details, StringComparison.Ordinal);
        var inline = await browser.GetStringAsync(new Uri($"/shipments/{world.Shipment.Id}?confirm=cancel", UriKind.Relative));
        Assert.Contains("id=\"cancel-confirm\"", inline, StringComparison.Ordinal);

        using var cancelled = await DeliveryFixture.PostAsync(browser, $"/shipments/{world.Shipment.Id}?handler=Cancel");

        Assert.Equal(HttpStatusCode.Redirect, cancelled.StatusCode);
        Assert.Equal(ShipmentState.Cancelled, await fixture.WithDbAsync(db => db.ShipmentRequests.Where(s => s.Id == world.Shipment.Id).Select(s => s.State).SingleAsync()));
        Assert.True(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a =>
            a.Action == AuditActions.ShipmentCancelled && a.OrganizationId == world.Customer.Id && a.Details.Contains(world.Shipment.Id.ToString()))));
        var order = await browser.GetStringAsync(new Uri($"/purchase-orders/{world.Order.Id}", UriKind.Relative));
        Assert.Contains("data-testid=\"remaining\">100<", order, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_list_filters_by_state_and_purchase_order()
    {
        var world = await fixture.WorldAsync();
        var other = await fixture.OrderAsync($"OTHER-{Guid.NewGuid():N}"[..20], world.Customer.Id);
        var elsewhere = await fixture.ShipmentAsync(world.Owner, world.Customer.Id, other, Recipients.Seeded with { RecipientName = "Philippa Other-Order" });
        await fixture.MoveAsync(elsewhere.Id, ShipmentState.InProgress);
        var auditor = await fixture.Members.AddAsync(world.Customer.Id, MemberRoles.Auditor);
        using var browser = await fixture.SignedInAsync(auditor);

        var all = await browser.GetStringAsync(new Uri("/shipments", UriKind.Relative));
        Assert.Equal(new[] { elsewhere.Id, world.Shipment.Id }.Order(), Rows(all).Order());
        Assert.Equal([world.Shipment.Id], Rows(await browser.GetStringAsync(new Uri($"/shipments?purchaseOrderId={world.Order.Id}", UriKind.Relative))));
        Assert.Equal([elsewhere.Id], Rows(await browser.GetStringAsync(new Uri("/shipments?state=InProgress", UriKind.Relative))));
        Assert.Empty(Rows(await browser.GetStringAsync(new Uri($"/shipments?state=InProgress&purchaseOrderId={world.Order.Id}", UriKind.Relative))));
        // Auditors read, and are offered nothing to change or download.
        Assert.DoesNotContain("id=\"download-csv\"", all, StringComparison.Ordinal);
        var details = await browser.GetStringAsync(new Uri($"/shipments/{world.Shipment.Id}", UriKind.Relative));
        Assert.DoesNotContain("id=\"edit-shipment\"", details, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"cancel-shipment\"", details, StringComparison.Ordinal);
    }

    internal static KeyValuePair<string, string> Quantity(DeliveryWorld world, int line, string quantity) =>
        new($"Quantity[{world.Order.Lines[line].Id}]", quantity);

    private static Regex FieldError(string field, string? message) =>
        new($"<p class=\"field-error\" id=\"[^\"]+-error\" data-testid=\"field-error\" data-field=\"{Regex.Escape(field)}\">{(message is null ? "[^<]+" : Regex.Escape(WebUtility.HtmlEncode(message)))}</p>");

    private static List<Guid> Rows(string page) => [.. ShipmentRow().Matches(page).Select(m => Guid.Parse(m.Groups[1].Value))];

    [GeneratedRegex("id=\"shipment-items\">([^<]*)<")]
    private static partial Regex ItemsFact();

    [GeneratedRegex("^/shipments/([0-9a-f-]{36})\\?done=")]
    private static partial Regex CreatedPath();

    [GeneratedRegex("data-testid=\"shipment-row\" data-id=\"([0-9a-f-]{36})\"")]
    private static partial Regex ShipmentRow();
}
