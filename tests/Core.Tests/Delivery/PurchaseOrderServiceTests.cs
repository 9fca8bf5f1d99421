using KeyPortal.Core.Delivery;

namespace KeyPortal.Core.Tests.Delivery;

/// <summary>
/// Operators enter purchase orders (numbers, organizations of the right kind, lines) and move
/// shipment requests through fulfilment; every refusal writes nothing.
/// </summary>
public abstract class PurchaseOrderServiceTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    private static readonly ShippingAddress Recipient =
        new("Astrid Lind", "astrid.lind@example.se", "+46 8 123 456 78", "Drottninggatan 1", "Stockholm", null, "111 51", "SE");

    private static PurchaseOrderService Orders(CoreScope scope, TimeProvider clock) => new(scope.Db, scope.Audit, clock);

    private static ShipmentService Shipments(CoreScope scope, TimeProvider clock) => new(scope.Db, scope.Audit, clock);

    private static string UniqueNumber() => $"PO-{Unique.Next():D6}";

    /// <summary>An order of <paramref name="customer"/> as an operator enters it: two products unless told otherwise.</summary>
    private static PurchaseOrderInput Input(
        Guid customer, string? number = null, Guid? reseller = null, Guid? distributor = null, IReadOnlyList<PurchaseOrderLineInput>? lines = null) =>
        new(number ?? UniqueNumber(), customer, reseller, distributor, lines ?? [new("YubiKey 5 NFC", 25), new("YubiKey 5C NFC", 10)]);

    private async Task<PurchaseOrder> CreateAsync(PurchaseOrderInput input)
    {
        await using var scope = OpenScope();
        return await Orders(scope, Clock).CreateAsync(Actors.Operator, input);
    }

    private async Task<(int Orders, int Lines, int Audit)> CountsAsync()
    {
        await using var db = Database.CreateContext();
        return (await db.PurchaseOrders.CountAsync(), await db.PurchaseOrderLines.CountAsync(), await db.AuditEntries.CountAsync());
    }

    /// <summary>Asserts the refusal by <paramref name="code"/> and that no order, line or audit entry was written.</summary>
    private async Task<DomainError> AssertOrderRefusedAsync(string code, PurchaseOrderInput input)
    {
        var before = await CountsAsync();
        var error = await DomainAssert.RefusedAsync(code, () => CreateAsync(input));
        Assert.Equal(before, await CountsAsync());
        return error;
    }

    private static IDictionary<string, string[]> FieldErrorsOf(DomainError error) =>
        Assert.IsAssignableFrom<IDictionary<string, string[]>>(error.Details!["errors"]);

    [Fact]
    public async Task An_order_is_stored_with_its_lines_in_order_and_audited_with_the_operator()
    {
        var customer = await GivenOrganizationAsync();
        var reseller = await GivenOrganizationAsync(OrganizationKind.Reseller);
        var distributor = await GivenOrganizationAsync(OrganizationKind.Distributor);
        var number = UniqueNumber();

        var created = await CreateAsync(Input(customer.Id, $"  {number} ", reseller.Id, distributor.Id, [new(" YubiKey 5 NFC ", 25), new("YubiKey 5C NFC", 10)]));

        await using var db = Database.CreateContext();
        var stored = await db.PurchaseOrders.AsNoTracking().Include(o => o.Lines).SingleAsync(o => o.Id == created.Id);
        Assert.Equal(number, stored.Number);
        Assert.Equal((customer.Id, reseller.Id, distributor.Id), (stored.CustomerOrganizationId, stored.ResellerOrganizationId, stored.DistributorOrganizationId));
        Assert.Equal(TestClock.Start, stored.CreatedAt);
        Assert.Equal([(1, "YubiKey 5 NFC", 25), (2, "YubiKey 5C NFC", 10)], stored.Lines.OrderBy(l => l.Position).Select(l => (l.Position, l.Product, l.Quantity)));
        var entry = Assert.Single(await AuditOfOrganizationAsync(customer.Id), a => a.Action == AuditActions.PurchaseOrderCreated);
        Assert.Equal(Actors.Operator.UserId, entry.ActorUserId);
        Assert.Equal(Actors.Operator.ClientAddress, entry.ClientAddress);
        Assert.Equal(number, DetailOf(entry, "number"));
    }

    [Fact]
    public async Task A_new_order_reads_back_with_nothing_requested_or_shipped()
    {
        var customer = await GivenOrganizationAsync();
        var created = await CreateAsync(Input(customer.Id));

        await using var scope = OpenScope();
        var view = await new DeliveryQueries(scope.Db).AnyPurchaseOrderAsync(created.Id);

        Assert.NotNull(view);
        Assert.Equal(customer.Id, view.Customer.Id);
        Assert.Null(view.Reseller);
        Assert.Equal([(25, 0, 0, 25), (10, 0, 0, 10)], view.Lines.Select(l => (l.Ordered, l.Requested, l.Shipped, l.Remaining)));
        Assert.Equal(new ShipmentProgress(0, 0, 0, 0), view.Shipments);
        Assert.Null(await new DeliveryQueries(scope.Db).AnyPurchaseOrderAsync(Guid.NewGuid()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("PO 2026 0042")]
    [InlineData("-PO-1")]
    [InlineData("PO-<script>")]
    [InlineData("PO-01234567890123456789012345678901234567")]
    public async Task A_number_that_is_empty_too_long_or_of_other_characters_is_refused(string number)
    {
        var customer = await GivenOrganizationAsync();

        await AssertOrderRefusedAsync(DomainErrors.PurchaseOrderNumberInvalid.Code, Input(customer.Id, number));
    }

    [Fact]
    public async Task A_number_of_forty_characters_is_accepted()
    {
        var customer = await GivenOrganizationAsync();
        var number = $"PO/{Unique.Next():D6}.".PadRight(PurchaseOrder.MaxNumberLength, '9');

        var created = await CreateAsync(Input(customer.Id, number));

        Assert.Equal(PurchaseOrder.MaxNumberLength, created.Number.Length);
    }

    [Fact]
    public async Task A_number_already_used_is_refused_whichever_customer_it_is_for()
    {
        var first = await GivenOrganizationAsync();
        var second = await GivenOrganizationAsync();
        var number = UniqueNumber();
        await CreateAsync(Input(first.Id, number));

        await AssertOrderRefusedAsync(DomainErrors.PurchaseOrderNumberTaken.Code, Input(second.Id, number));
    }

    [Fact]
    public async Task Two_operators_entering_the_same_number_at_once_create_one_order()
    {
        var customer = await GivenOrganizationAsync();
        var number = UniqueNumber();

        var outcomes = await RunTogetherAsync(
            scope => Orders(scope, Clock).CreateAsync(Actors.Operator, Input(customer.Id, number)),
            scope => Orders(scope, Clock).CreateAsync(Actors.Operator, Input(customer.Id, number)));

        Assert.Single(outcomes, o => o.Succeeded);
        Assert.Equal(DomainErrors.PurchaseOrderNumberTaken.Code, Assert.Single(outcomes, o => !o.Succeeded).Refusal!.Code);
        await using var db = Database.CreateContext();
        Assert.Equal(1, await db.PurchaseOrders.CountAsync(o => o.Number == number));
        Assert.Single(await AuditOfOrganizationAsync(customer.Id), a => a.Action == AuditActions.PurchaseOrderCreated);
    }

    [Theory]
    [InlineData(OrganizationKind.Reseller)]
    [InlineData(OrganizationKind.Distributor)]
    public async Task The_customer_must_be_an_organization_of_kind_customer(OrganizationKind kind)
    {
        var notACustomer = await GivenOrganizationAsync(kind);

        var error = await AssertOrderRefusedAsync("purchase_order.organization_invalid", Input(notACustomer.Id));

        Assert.Equal(["customerOrganizationId"], FieldErrorsOf(error).Keys);
    }

    [Fact]
    public async Task An_unknown_customer_is_refused_at_its_field()
    {
        var error = await AssertOrderRefusedAsync("purchase_order.organization_invalid", Input(Guid.NewGuid()));

        Assert.Equal(["customerOrganizationId"], FieldErrorsOf(error).Keys);
    }

    [Theory]
    [InlineData(OrganizationKind.Customer, "resellerOrganizationId")]
    [InlineData(OrganizationKind.Distributor, "resellerOrganizationId")]
    [InlineData(OrganizationKind.Customer, "distributorOrganizationId")]
    [InlineData(OrganizationKind.Reseller, "distributorOrganizationId")]
    public async Task A_reseller_or_distributor_of_the_wrong_kind_is_refused_at_its_field(OrganizationKind kind, string field)
    {
        var customer = await GivenOrganizationAsync();
        var wrong = await GivenOrganizationAsync(kind);
        var input = field == "resellerOrganizationId" ? Input(customer.Id, reseller: wrong.Id) : Input(customer.Id, distributor: wrong.Id);

        var error = await AssertOrderRefusedAsync("purchase_order.organization_invalid", input);

        Assert.Equal([field], FieldErrorsOf(error).Keys);
    }

    [Fact]
    public async Task An_organization_of_several_kinds_can_be_customer_and_reseller_of_the_same_order()
    {
        var both = await GivenOrganizationAsync(OrganizationKind.Customer | OrganizationKind.Reseller);

        var created = await CreateAsync(Input(both.Id, reseller: both.Id));

        Assert.Equal(both.Id, created.ResellerOrganizationId);
    }

    [Fact]
    public async Task An_order_without_lines_or_with_more_than_fifty_is_refused()
    {
        var customer = await GivenOrganizationAsync();
        var tooMany = Enumerable.Range(1, PurchaseOrder.MaxLines + 1).Select(i => new PurchaseOrderLineInput($"YubiKey {i}", 1)).ToList();

        await AssertOrderRefusedAsync("purchase_order.lines_invalid", Input(customer.Id, lines: []));
        await AssertOrderRefusedAsync("purchase_order.lines_invalid", Input(customer.Id, lines: tooMany));
    }

    [Fact]
    public async Task Each_bad_line_is_named_at_its_product_or_quantity()
    {
        var customer = await GivenOrganizationAsync();
        PurchaseOrderLineInput[] lines =
        [
            new("YubiKey 5 NFC", 5),
            new("  ", 3),
            new("YubiKey 5C NFC", 0),
            new(new string('Y', PurchaseOrderLine.MaxProductLength + 1), PurchaseOrderLine.MaxQuantity + 1),
            new("YubiKey\n5Ci", 1),
        ];

        var error = await AssertOrderRefusedAsync("purchase_order.lines_invalid", Input(customer.Id, lines: lines));

        Assert.Equal(
            ["lines[1].product", "lines[2].quantity", "lines[3].product", "lines[3].quantity", "lines[4].product"],
            FieldErrorsOf(error).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Operators_list_every_order_or_those_naming_one_organization_newest_first_a_page_at_a_time()
    {
        var customer = await GivenOrganizationAsync();
        var reseller = await GivenOrganizationAsync(OrganizationKind.Reseller);
        var distributor = await GivenOrganizationAsync(OrganizationKind.Distributor);
        var unrelated = await GivenOrganizationAsync();
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await CreateAsync(Input(customer.Id, reseller: i % 2 == 0 ? reseller.Id : null, distributor: i == 4 ? distributor.Id : null))).Id);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        await CreateAsync(Input(unrelated.Id));

        await using var scope = OpenScope();
        var queries = new DeliveryQueries(scope.Db);
        var first = await queries.AllPurchaseOrdersAsync(customer.Id, null, 3);
        var second = await queries.AllPurchaseOrdersAsync(customer.Id, first.NextCursor, 3);
        Assert.Equal(Enumerable.Reverse(created), first.Items.Concat(second.Items).Select(o => o.Id));
        Assert.NotNull(first.NextCursor);
        Assert.Null(second.NextCursor);
        Assert.Equal([created[4], created[2], created[0]], (await queries.AllPurchaseOrdersAsync(reseller.Id, null, null)).Items.Select(o => o.Id));
        Assert.Equal([created[4]], (await queries.AllPurchaseOrdersAsync(distributor.Id, null, null)).Items.Select(o => o.Id));
        Assert.True((await queries.AllPurchaseOrdersAsync(null, null, Cursor.MaxLimit)).Items.Count >= 6);
    }

    [Fact]
    public async Task Operators_move_a_request_to_in_progress_then_shipped_and_each_move_is_audited()
    {
        var (customer, order, shipment) = await GivenShipmentAsync(quantity: 4);

        await MoveAsync(shipment.Id, ShipmentState.InProgress);
        Clock.Advance(TimeSpan.FromHours(2));
        var shipped = await MoveAsync(shipment.Id, ShipmentState.Shipped);

        Assert.Equal(ShipmentState.Shipped, shipped.State);
        await using (var db = Database.CreateContext())
        {
            var stored = await db.ShipmentRequests.AsNoTracking().SingleAsync(s => s.Id == shipment.Id);
            Assert.Equal(ShipmentState.Shipped, stored.State);
            Assert.Equal(Clock.GetUtcNow(), stored.ShippedAt);
            Assert.Equal(Clock.GetUtcNow(), stored.UpdatedAt);
        }

        var moves = (await AuditOfOrganizationAsync(customer.Id)).Where(a => a.Action == AuditActions.ShipmentStateChanged).ToList();
        Assert.Equal([("Requested", "InProgress"), ("InProgress", "Shipped")], moves.Select(m => (DetailOf(m, "from"), DetailOf(m, "to"))));
        Assert.All(moves, m => Assert.Equal(Actors.Operator.UserId, m.ActorUserId));
        await using var scope = OpenScope();
        var line = (await new DeliveryQueries(scope.Db).AnyPurchaseOrderAsync(order.Id))!.Lines[0];
        Assert.Equal((25, 0, 4, 21), (line.Ordered, line.Requested, line.Shipped, line.Remaining));
    }

    [Theory]
    [InlineData(ShipmentState.Requested, ShipmentState.Requested)]
    [InlineData(ShipmentState.Requested, ShipmentState.Shipped)]
    [InlineData(ShipmentState.InProgress, ShipmentState.Requested)]
    [InlineData(ShipmentState.InProgress, ShipmentState.InProgress)]
    [InlineData(ShipmentState.Shipped, ShipmentState.Requested)]
    [InlineData(ShipmentState.Shipped, ShipmentState.InProgress)]
    [InlineData(ShipmentState.Shipped, ShipmentState.Cancelled)]
    [InlineData(ShipmentState.Cancelled, ShipmentState.Requested)]
    [InlineData(ShipmentState.Cancelled, ShipmentState.InProgress)]
    public async Task A_move_the_state_machine_does_not_allow_is_refused_and_changes_nothing(ShipmentState from, ShipmentState to)
    {
        var (customer, _, shipment) = await GivenShipmentAsync(quantity: 1);
        foreach (var step in PathTo(from))
        {
            await MoveAsync(shipment.Id, step);
        }

        var auditBefore = (await AuditOfOrganizationAsync(customer.Id)).Count;
        Clock.Advance(TimeSpan.FromMinutes(5));

        await DomainAssert.RefusedAsync("shipment.illegal_transition", () => MoveAsync(shipment.Id, to));

        await using var db = Database.CreateContext();
        var stored = await db.ShipmentRequests.AsNoTracking().SingleAsync(s => s.Id == shipment.Id);
        Assert.Equal(from, stored.State);
        Assert.NotEqual(Clock.GetUtcNow(), stored.UpdatedAt);
        Assert.Equal(auditBefore, (await AuditOfOrganizationAsync(customer.Id)).Count);
    }

    [Theory]
    [InlineData(ShipmentState.Requested)]
    [InlineData(ShipmentState.InProgress)]
    public async Task Cancelling_an_open_request_frees_its_quantity(ShipmentState from)
    {
        var (_, order, shipment) = await GivenShipmentAsync(quantity: 25);
        foreach (var step in PathTo(from))
        {
            await MoveAsync(shipment.Id, step);
        }

        await MoveAsync(shipment.Id, ShipmentState.Cancelled);

        await using var scope = OpenScope();
        var view = (await new DeliveryQueries(scope.Db).AnyPurchaseOrderAsync(order.Id))!;
        Assert.Equal((0, 0, 25), (view.Lines[0].Requested, view.Lines[0].Shipped, view.Lines[0].Remaining));
        Assert.Equal(1, view.Shipments.Cancelled);
    }

    [Fact]
    public async Task An_unknown_shipment_is_not_found()
    {
        var before = await LastAuditIdAsync();

        await DomainAssert.RefusedAsync(DomainErrors.ShipmentNotFound.Code, () => MoveAsync(Guid.NewGuid(), ShipmentState.InProgress));

        Assert.Equal(before, await LastAuditIdAsync());
    }

    [Fact]
    public async Task Shipping_and_cancelling_the_same_request_at_once_lets_exactly_one_through()
    {
        var (customer, _, shipment) = await GivenShipmentAsync(quantity: 2);
        await MoveAsync(shipment.Id, ShipmentState.InProgress);

        var outcomes = await RunTogetherAsync(
            scope => Shipments(scope, Clock).MoveAsync(Actors.Operator, shipment.Id, ShipmentState.Shipped),
            scope => Shipments(scope, Clock).MoveAsync(Actors.Operator, shipment.Id, ShipmentState.Cancelled));

        var winner = Assert.Single(outcomes, o => o.Succeeded).Value!;
        Assert.Equal("shipment.illegal_transition", Assert.Single(outcomes, o => !o.Succeeded).Refusal!.Code);
        await using var db = Database.CreateContext();
        Assert.Equal(winner.State, (await db.ShipmentRequests.AsNoTracking().SingleAsync(s => s.Id == shipment.Id)).State);
        var moves = (await AuditOfOrganizationAsync(customer.Id)).Where(a => a.Action == AuditActions.ShipmentStateChanged).ToList();
        Assert.Equal(2, moves.Count);
        Assert.Equal(winner.State.ToString(), DetailOf(moves[^1], "to"));
    }

    /// <summary>The moves that bring a new (requested) shipment to <paramref name="state"/>.</summary>
    private static ShipmentState[] PathTo(ShipmentState state) => state switch
    {
        ShipmentState.Requested => [],
        ShipmentState.InProgress => [ShipmentState.InProgress],
        ShipmentState.Shipped => [ShipmentState.InProgress, ShipmentState.Shipped],
        _ => [ShipmentState.Cancelled],
    };

    private async Task<ShipmentRequest> MoveAsync(Guid shipmentId, ShipmentState to)
    {
        await using var scope = OpenScope();
        return await Shipments(scope, Clock).MoveAsync(Actors.Operator, shipmentId, to);
    }

    /// <summary>A customer's order of 25 + 10 keys and a shipment request by its Owner for <paramref name="quantity"/> of the first line.</summary>
    private async Task<(Organization Customer, PurchaseOrder Order, ShipmentRequest Shipment)> GivenShipmentAsync(int quantity)
    {
        var (customer, owner) = await GivenOrganizationWithOwnerAsync();
        var order = await CreateAsync(Input(customer.Id));
        await using var scope = OpenScope();
        var shipment = await Shipments(scope, Clock).CreateAsync(
            Actors.Of(owner), customer.Id, new ShipmentInput(order.Id, Recipient, [new ShipmentItemInput(order.Lines[0].Id, quantity)], null));
        return (customer, order, shipment);
    }
}

public sealed class PurchaseOrderServiceTestsOnSqlite(SqliteDatabaseFixture fixture)
    : PurchaseOrderServiceTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class PurchaseOrderServiceTestsOnPostgres(PostgresDatabaseFixture fixture)
    : PurchaseOrderServiceTests(fixture), IClassFixture<PostgresDatabaseFixture>;
