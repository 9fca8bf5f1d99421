using KeyPortal.Core.Delivery;

namespace KeyPortal.Core.Tests.Delivery;

/// <summary>Shipment requests against purchase orders: quantities, permissions, address overrides, paging and idempotent creation.</summary>
public abstract class ShipmentServiceTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    private static readonly ShippingAddress Stockholm =
        new("Astrid Lind", "astrid.lind@example.se", "+46 8 123 456 78", "Drottninggatan 1", "Stockholm", null, "111 51", "SE");

    private ShipmentService Shipments(CoreScope scope) => new(scope.Db, scope.Audit, Clock);

    private DeliveryQueries Queries(CoreScope scope) => new(scope.Db);

    private async Task<(Organization Customer, User Owner, PurchaseOrder Order)> GivenOrderAsync(int quantity = 10, Guid? reseller = null)
    {
        var (customer, owner) = await GivenOrganizationWithOwnerAsync();
        await using var scope = OpenScope();
        var order = await new PurchaseOrderService(scope.Db, scope.Audit, Clock).CreateAsync(Actors.Operator, new PurchaseOrderInput(
            $"PO-{Unique.Next()}", customer.Id, reseller, null, [new("YubiKey 5 NFC", quantity), new("YubiKey 5C NFC", 3)]));
        return (customer, owner, order);
    }

    private static ShipmentInput Request(PurchaseOrder order, int quantity, ShippingAddress? to = null, string? overrideReason = null) =>
        new(order.Id, to ?? Stockholm, [new ShipmentItemInput(order.Lines[0].Id, quantity)], overrideReason);

    private async Task<ShipmentRequest> CreateAsync(User actor, Guid organizationId, ShipmentInput input)
    {
        await using var scope = OpenScope();
        return await Shipments(scope).CreateAsync(Actors.Of(actor), organizationId, input);
    }

    private async Task<int> ShipmentCountAsync(Guid organizationId)
    {
        await using var db = Database.CreateContext();
        return await db.ShipmentRequests.CountAsync(s => s.OrganizationId == organizationId);
    }

    [Fact]
    public async Task A_request_within_what_remains_is_stored_with_its_items_and_audited()
    {
        var (customer, owner, order) = await GivenOrderAsync();

        var created = await CreateAsync(owner, customer.Id, Request(order, 4));

        await using var scope = OpenScope();
        var view = await Queries(scope).ShipmentAsync(customer.Id, created.Id);
        Assert.NotNull(view);
        Assert.Equal(ShipmentState.Requested, view.State);
        Assert.Equal("Astrid Lind", view.Recipient.RecipientName);
        Assert.Equal(4, Assert.Single(view.Items).Quantity);
        var line = (await Queries(scope).PurchaseOrderAsync(customer.Id, asCustomer: true, asChannel: false, order.Id))!.Lines[0];
        Assert.Equal((10, 4, 0, 6), (line.Ordered, line.Requested, line.Shipped, line.Remaining));
        Assert.Single(await AuditOfOrganizationAsync(customer.Id), a => a.Action == AuditActions.ShipmentRequested);
    }

    [Fact]
    public async Task A_request_for_more_than_remains_is_refused_per_item_and_writes_nothing()
    {
        var (customer, owner, order) = await GivenOrderAsync();
        await CreateAsync(owner, customer.Id, Request(order, 7));

        var error = await DomainAssert.RefusedAsync(DomainErrors.ShipmentExceedsOrder(new Dictionary<string, string[]>()).Code,
            () => CreateAsync(owner, customer.Id, Request(order, 4)));

        var errors = Assert.IsType<Dictionary<string, string[]>>(error.Details!["errors"]);
        Assert.Equal("Only 3 YubiKey 5 NFC remain on this order.", Assert.Single(errors["items[0].quantity"]));
        Assert.Equal(1, await ShipmentCountAsync(customer.Id));
    }

    [Fact]
    public async Task Concurrent_requests_never_take_more_than_the_order_holds()
    {
        var (customer, owner, order) = await GivenOrderAsync(quantity: 10);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            try
            {
                await CreateAsync(owner, customer.Id, Request(order, 4));
                return true;
            }
            catch (DomainException refused) when (refused.Error.Code == "shipment.exceeds_order")
            {
                return false;
            }
        }));

        Assert.Equal(2, attempts.Count(ok => ok));
        Assert.Equal(2, await ShipmentCountAsync(customer.Id));
    }

    [Fact]
    public async Task An_auditor_cannot_request_a_shipment_and_nothing_is_written()
    {
        var (customer, _, order) = await GivenOrderAsync();
        var auditor = await Members.AddAsync(customer.Id, new MemberRoles(OrganizationRole.Auditor, ChannelRoles.None));
        var before = await LastAuditIdAsync();

        await DomainAssert.RefusedAsync("shipment.not_permitted", () => CreateAsync(auditor, customer.Id, Request(order, 1)));

        Assert.Equal(0, await ShipmentCountAsync(customer.Id));
        Assert.Equal(before, await LastAuditIdAsync());
    }

    [Fact]
    public async Task Another_organizations_order_is_not_found()
    {
        var (_, _, order) = await GivenOrderAsync();
        var (other, otherOwner) = await GivenOrganizationWithOwnerAsync();

        await DomainAssert.RefusedAsync(DomainErrors.PurchaseOrderNotFound.Code, () => CreateAsync(otherOwner, other.Id, Request(order, 1)));

        Assert.Equal(0, await ShipmentCountAsync(other.Id));
    }

    [Fact]
    public async Task An_address_failing_validation_is_kept_only_with_a_reason_which_is_audited()
    {
        var (customer, owner, order) = await GivenOrderAsync();
        var badZip = new ShippingAddress("Sam Ortiz", "sam@example.com", "+1 415 555 0100", "1 Market St", "San Francisco", "CA", "ABCDE", "US");

        var error = await DomainAssert.RefusedAsync("address.invalid", () => CreateAsync(owner, customer.Id, Request(order, 1, badZip)));
        Assert.True((bool)error.Details!["overridable"]);
        Assert.Contains("postalCode", ((IDictionary<string, string[]>)error.Details["errors"]).Keys);
        Assert.Equal(0, await ShipmentCountAsync(customer.Id));

        var created = await CreateAsync(owner, customer.Id, Request(order, 1, badZip, "New development, ZIP not yet issued"));

        Assert.Equal("New development, ZIP not yet issued", created.ValidationOverrideReason);
        var entry = Assert.Single(await AuditOfOrganizationAsync(customer.Id), a => a.Action == AuditActions.AddressValidationOverridden);
        Assert.Contains("New development, ZIP not yet issued", entry.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_recipient_cannot_be_overridden()
    {
        var (customer, owner, order) = await GivenOrderAsync();

        var error = await DomainAssert.RefusedAsync("address.invalid",
            () => CreateAsync(owner, customer.Id, Request(order, 1, Stockholm with { RecipientName = "" }, "because")));

        Assert.False((bool)error.Details!["overridable"]);
        Assert.Equal(0, await ShipmentCountAsync(customer.Id));
    }

    [Fact]
    public async Task Once_in_progress_only_the_address_can_be_corrected_and_once_shipped_nothing()
    {
        var (customer, owner, order) = await GivenOrderAsync();
        var created = await CreateAsync(owner, customer.Id, Request(order, 2));
        await using (var scope = OpenScope())
        {
            await Shipments(scope).MoveAsync(Actors.Operator, created.Id, ShipmentState.InProgress);
        }

        await using (var scope = OpenScope())
        {
            await DomainAssert.RefusedAsync(DomainErrors.ShipmentItemsLocked.Code,
                () => Shipments(scope).UpdateAsync(Actors.Of(owner), customer.Id, created.Id, Request(order, 3)));
        }

        await using (var scope = OpenScope())
        {
            await Shipments(scope).UpdateAsync(Actors.Of(owner), customer.Id, created.Id, Request(order, 2, Stockholm with { Street = "Drottninggatan 2" }));
            Assert.Equal("Drottninggatan 2", (await Queries(scope).ShipmentAsync(customer.Id, created.Id))!.Recipient.Street);
        }

        await using (var scope = OpenScope())
        {
            await Shipments(scope).MoveAsync(Actors.Operator, created.Id, ShipmentState.Shipped);
        }

        await using (var scope = OpenScope())
        {
            await DomainAssert.RefusedAsync(DomainErrors.ShipmentClosed.Code,
                () => Shipments(scope).UpdateAsync(Actors.Of(owner), customer.Id, created.Id, Request(order, 2, Stockholm with { Street = "Elsewhere 9" })));
            var line = (await Queries(scope).PurchaseOrderAsync(customer.Id, true, false, order.Id))!.Lines[0];
            Assert.Equal((2, 0, 8), (line.Shipped, line.Requested, line.Remaining));
        }

        var updates = (await AuditOfOrganizationAsync(customer.Id)).Where(a => a.Action == AuditActions.ShipmentUpdated).ToList();
        var update = Assert.Single(updates);
        Assert.Contains("street", update.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("Drottninggatan", update.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changing_the_items_of_a_requested_shipment_replaces_them_in_the_orders_line_order()
    {
        var (customer, owner, order) = await GivenOrderAsync();
        var created = await CreateAsync(owner, customer.Id, Request(order, 2));

        await using (var scope = OpenScope())
        {
            await Shipments(scope).UpdateAsync(Actors.Of(owner), customer.Id, created.Id,
                new ShipmentInput(order.Id, Stockholm, [new ShipmentItemInput(order.Lines[1].Id, 3), new ShipmentItemInput(order.Lines[0].Id, 5)], null));
        }

        await using (var scope = OpenScope())
        {
            var view = (await Queries(scope).ShipmentAsync(customer.Id, created.Id))!;
            Assert.Equal([("YubiKey 5 NFC", 5), ("YubiKey 5C NFC", 3)], view.Items.Select(i => (i.Product, i.Quantity)));
            var lines = (await Queries(scope).PurchaseOrderAsync(customer.Id, true, false, order.Id))!.Lines;
            Assert.Equal([5, 0], lines.Select(l => l.Remaining));
        }
    }

    [Fact]
    public async Task Cancelling_frees_the_quantity_and_only_requested_shipments_can_be_cancelled()
    {
        var (customer, owner, order) = await GivenOrderAsync(quantity: 5);
        var created = await CreateAsync(owner, customer.Id, Request(order, 5));

        await using (var scope = OpenScope())
        {
            await Shipments(scope).CancelAsync(Actors.Of(owner), customer.Id, created.Id);
        }

        await CreateAsync(owner, customer.Id, Request(order, 5));
        await using (var scope = OpenScope())
        {
            await DomainAssert.RefusedAsync(DomainErrors.ShipmentClosed.Code, () => Shipments(scope).CancelAsync(Actors.Of(owner), customer.Id, created.Id));
        }
    }

    [Fact]
    public async Task A_channel_partner_reads_the_order_naming_it_and_no_shipment_of_the_customer()
    {
        var reseller = await GivenOrganizationAsync(OrganizationKind.Reseller);
        var (customer, owner, order) = await GivenOrderAsync(reseller: reseller.Id);
        await CreateAsync(owner, customer.Id, Request(order, 2));

        await using var scope = OpenScope();
        var seen = await Queries(scope).PurchaseOrdersAsync(reseller.Id, asCustomer: false, asChannel: true, null, null, null);
        var listed = Assert.Single(seen.Items);
        Assert.Equal(order.Id, listed.Id);
        Assert.Equal(1, listed.Shipments.Requested);
        Assert.Equal(reseller.Id, listed.Reseller!.Id);
        Assert.Empty((await Queries(scope).ShipmentsAsync(reseller.Id, new ShipmentFilter(), null, null)).Items);
        // As a customer the reseller has no orders at all.
        Assert.Empty((await Queries(scope).PurchaseOrdersAsync(reseller.Id, asCustomer: true, asChannel: false, null, null, null)).Items);
    }

    [Fact]
    public async Task Paging_while_others_insert_repeats_nothing_and_skips_nothing()
    {
        var (customer, owner, order) = await GivenOrderAsync(quantity: 1000);
        var existing = new List<Guid>();
        for (var i = 0; i < 23; i++)
        {
            existing.Add((await CreateAsync(owner, customer.Id, Request(order, 1))).Id);
            Clock.Advance(TimeSpan.FromMilliseconds(3));
        }

        var seen = new List<Guid>();
        string? cursor = null;
        var inserting = Task.CompletedTask;
        do
        {
            await using var scope = OpenScope();
            var page = await Queries(scope).ShipmentsAsync(customer.Id, new ShipmentFilter(), cursor, limit: 5);
            seen.AddRange(page.Items.Select(s => s.Id));
            cursor = page.NextCursor;
            await inserting;
            // Others keep requesting shipments between (and while) the pages are read.
            inserting = CreateAsync(owner, customer.Id, Request(order, 1));
        }
        while (cursor is not null);

        await inserting;
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(existing, id => Assert.Contains(id, seen));
    }

    [Fact]
    public async Task An_unknown_cursor_and_a_limit_out_of_range_are_refused()
    {
        var (customer, _, _) = await GivenOrderAsync();
        await using var scope = OpenScope();

        await DomainAssert.RefusedAsync(DomainErrors.CursorInvalid.Code, () => Queries(scope).ShipmentsAsync(customer.Id, new ShipmentFilter(), "not-a-cursor!", null));
        await DomainAssert.RefusedAsync("page.limit_invalid", () => Queries(scope).ShipmentsAsync(customer.Id, new ShipmentFilter(), null, 0));
        await DomainAssert.RefusedAsync("page.limit_invalid", () => Queries(scope).ShipmentsAsync(customer.Id, new ShipmentFilter(), null, 201));
    }

    [Fact]
    public async Task The_same_idempotency_key_creates_once_also_when_retried_concurrently()
    {
        var (customer, owner, order) = await GivenOrderAsync(quantity: 100);
        var hash = IdempotencyStore.HashOf("POST", "/api/v1/shipments", "{\"same\":true}"u8);

        async Task<IdempotentOutcome> CallAsync(byte[] requestHash)
        {
            await using var scope = OpenScope();
            var store = new IdempotencyStore(scope.Db, Clock);
            return await store.RunAsync($"shipments.create:user:{owner.Id}", "retry-1", requestHash, async ct =>
            {
                var created = await Shipments(scope).CreateAsync(Actors.Of(owner), customer.Id, Request(order, 1), ct);
                return new IdempotentOutcome(201, $"{{\"id\":\"{created.Id}\"}}", $"/api/v1/shipments/{created.Id}", Replayed: false);
            });
        }

        var outcomes = await Task.WhenAll(CallAsync(hash), CallAsync(hash), CallAsync(hash));
        var again = await CallAsync(hash);

        Assert.Equal(1, await ShipmentCountAsync(customer.Id));
        Assert.Single(outcomes.Concat([again]).Select(o => o.Body).Distinct());
        Assert.True(again.Replayed);
        Assert.Equal(1, outcomes.Count(o => !o.Replayed));
        await DomainAssert.RefusedAsync(DomainErrors.IdempotencyKeyReused.Code,
            () => CallAsync(IdempotencyStore.HashOf("POST", "/api/v1/shipments", "{\"other\":true}"u8)));
        Assert.Equal(1, await ShipmentCountAsync(customer.Id));
    }

    [Fact]
    public async Task The_csv_escapes_cells_a_spreadsheet_would_run_as_formulas()
    {
        var (customer, owner, order) = await GivenOrderAsync(quantity: 50);
        string[] hostile = ["=HYPERLINK(\"http://x.example\")", "+SUM(A1)", "-2+3", "@cmd", "\tTabbed"];
        foreach (var name in hostile)
        {
            // Names that fail nothing else in validation: control characters are refused there.
            if (name.StartsWith('\t'))
            {
                continue;
            }

            await CreateAsync(owner, customer.Id, Request(order, 1, Stockholm with { RecipientName = name }));
        }

        await using var scope = OpenScope();
        await using var writer = new StringWriter();
        var rows = await ShipmentCsv.WriteAsync(writer, Queries(scope).AllShipmentsAsync(customer.Id, new ShipmentFilter()));
        var csv = writer.ToString();

        Assert.Equal(4, rows);
        Assert.StartsWith("Shipment,Purchase order,State,Recipient", csv, StringComparison.Ordinal);
        Assert.Contains("\"'=HYPERLINK(\"\"http://x.example\"\")\"", csv, StringComparison.Ordinal);
        Assert.Contains("'+SUM(A1)", csv, StringComparison.Ordinal);
        Assert.Contains("'-2+3", csv, StringComparison.Ordinal);
        Assert.Contains("'@cmd", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(",=", csv, StringComparison.Ordinal);
        // The phone number starts with "+": escaped too, as a spreadsheet would read it as a formula.
        Assert.Contains("'+46812345678", csv, StringComparison.Ordinal);
    }
}

public sealed class ShipmentServiceTestsOnSqlite(SqliteDatabaseFixture fixture) : ShipmentServiceTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class ShipmentServiceTestsOnPostgres(PostgresDatabaseFixture fixture) : ShipmentServiceTests(fixture), IClassFixture<PostgresDatabaseFixture>;
