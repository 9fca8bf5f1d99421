using System.Net;
using System.Security.Claims;
using System.Text.Json;
using KeyPortal.Admin.PurchaseOrders;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Sessions;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Tests.PurchaseOrders;

/// <summary>
/// The console's purchase-order API: operators enter orders (idempotent retries create one), read
/// them across organizations and move shipment requests; everyone else is refused and changes nothing.
/// </summary>
[Collection(AdminApp.Collection)]
public sealed class PurchaseOrderApiTests(RelyingPartyAppFactory<Program> factory)
{
    private const string Orders = "/api/v1/purchase-orders";

    private readonly ConsoleDeliveries _deliveries = new(factory);

    private static string OrderJson(Guid customer, string number, Guid? reseller = null, Guid? distributor = null, string? lines = null) =>
        $$"""
        {"number":"{{number}}","customerOrganizationId":"{{customer}}","resellerOrganizationId":{{Json(reseller)}},"distributorOrganizationId":{{Json(distributor)}},
         "lines":{{lines ?? """[{"product":"YubiKey 5 NFC","quantity":25},{"product":"YubiKey 5C NFC","quantity":10}]"""}}}
        """;

    private static string Json(Guid? id) => id is { } value ? $"\"{value}\"" : "null";

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Fact]
    public async Task An_operator_creates_an_order_answered_201_with_its_location_and_audited_with_the_operator()
    {
        var customer = await _deliveries.OrganizationAsync();
        var reseller = await _deliveries.OrganizationAsync(OrganizationKind.Reseller);
        var distributor = await _deliveries.OrganizationAsync(OrganizationKind.Distributor);
        var (operatorUser, token) = await _deliveries.MemberTokenAsync();
        var number = ConsoleDeliveries.UniqueNumber();

        using var response = await _deliveries.CallAsync(HttpMethod.Post, Orders, token, OrderJson(customer.Id, number, reseller.Id, distributor.Id));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = await _deliveries.StoredOrderAsync(number);
        Assert.NotNull(stored);
        Assert.Equal($"/api/v1/purchase-orders/{stored.Id}", response.Headers.Location!.OriginalString);
        var body = await BodyAsync(response);
        Assert.Equal(stored.Id, body.GetProperty("id").GetGuid());
        Assert.Equal(reseller.Id, body.GetProperty("reseller").GetProperty("id").GetGuid());
        Assert.Equal(distributor.Id, body.GetProperty("distributor").GetProperty("id").GetGuid());
        Assert.Equal([("YubiKey 5 NFC", 25, 25), ("YubiKey 5C NFC", 10, 10)], body.GetProperty("lines").EnumerateArray()
            .Select(l => (l.GetProperty("product").GetString(), l.GetProperty("ordered").GetInt32(), l.GetProperty("remaining").GetInt32())));
        Assert.Equal(customer.Id, stored.CustomerOrganizationId);
        var audited = Assert.Single(await _deliveries.AuditAsync(customer.Id, AuditActions.PurchaseOrderCreated));
        Assert.Equal(operatorUser.Id, audited.ActorUserId);
        Assert.Equal(operatorUser.Email, audited.Actor);

        using var read = await _deliveries.CallAsync(HttpMethod.Get, response.Headers.Location.OriginalString, token);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(number, (await BodyAsync(read)).GetProperty("number").GetString());
    }

    [Fact]
    public async Task A_retry_with_the_same_key_and_body_answers_the_same_201_and_creates_one_order()
    {
        var customer = await _deliveries.OrganizationAsync();
        var (_, token) = await _deliveries.MemberTokenAsync();
        var number = ConsoleDeliveries.UniqueNumber();
        var key = $"retry-{Guid.NewGuid():N}";

        using var first = await _deliveries.CallAsync(HttpMethod.Post, Orders, token, OrderJson(customer.Id, number), key);
        var afterFirst = await _deliveries.CountsAsync();
        // The same order, written with other spacing: the same request.
        using var retry = await _deliveries.CallAsync(HttpMethod.Post, Orders, token, OrderJson(customer.Id, number).Replace(",", " , ", StringComparison.Ordinal), key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal("true", Assert.Single(retry.Headers.GetValues("Idempotent-Replayed")));
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(afterFirst, await _deliveries.CountsAsync());
        Assert.Single(await _deliveries.AuditAsync(customer.Id, AuditActions.PurchaseOrderCreated));
    }

    [Fact]
    public async Task Retries_with_the_same_key_at_the_same_moment_all_answer_the_one_order_created()
    {
        var customer = await _deliveries.OrganizationAsync();
        var (_, token) = await _deliveries.MemberTokenAsync();
        var number = ConsoleDeliveries.UniqueNumber();
        var key = $"burst-{Guid.NewGuid():N}";

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            _deliveries.CallAsync(HttpMethod.Post, Orders, token, OrderJson(customer.Id, number), key)));

        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
            Assert.Single(responses.Select(r => r.Headers.Location).Distinct());
            Assert.Single(await _deliveries.AuditAsync(customer.Id, AuditActions.PurchaseOrderCreated));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_refused_409_and_creates_nothing()
    {
        var customer = await _deliveries.OrganizationAsync();
        var (_, token) = await _deliveries.MemberTokenAsync();
        var key = $"reuse-{Guid.NewGuid():N}";
        using (var first = await _deliveries.CallAsync(HttpMethod.Post, Orders, token, OrderJson(customer.Id, ConsoleDeliveries.UniqueNumber()), key))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        var before = await _deliveries.CountsAsync();
        var other = ConsoleDeliveries.UniqueNumber();

        using var response = await _deliveries.CallAsync(HttpMethod.Post, Orders, token, OrderJson(customer.Id, other), key);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("idempotency.key_reused", (await BodyAsync(response)).GetProperty("code").GetString());
        Assert.Null(await _deliveries.StoredOrderAsync(other));
        Assert.Equal(before, await _deliveries.CountsAsync());
    }

    [Fact]
    public async Task Keys_are_the_operators_own_so_another_operator_may_use_the_same_key()
    {
        var customer = await _deliveries.OrganizationAsync();
        var (_, first) = await _deliveries.MemberTokenAsync();
        var (_, second) = await _deliveries.MemberTokenAsync();
        var key = $"shared-{Guid.NewGuid():N}";

        using var one = await _deliveries.CallAsync(HttpMethod.Post, Orders, first, OrderJson(customer.Id, ConsoleDeliveries.UniqueNumber()), key);
        using var two = await _deliveries.CallAsync(HttpMethod.Post, Orders, second, OrderJson(customer.Id, ConsoleDeliveries.UniqueNumber()), key);

        Assert.Equal(HttpStatusCode.Created, one.StatusCode);
        Assert.Equal(HttpStatusCode.Created, two.StatusCode);
        Assert.NotEqual(one.Headers.Location, two.Headers.Location);
    }

    public static TheoryData<string, string> BadOrders => new()
    {
        { "number", "" },
        { "number", "PO 1 with spaces" },
        { "lines", "[]" },
        { "lines", "null" },
        { "lines[0].quantity", """[{"product":"YubiKey 5 NFC","quantity":0}]""" },
        { "lines[1].product", """[{"product":"YubiKey 5 NFC","quantity":3},{"product":" ","quantity":3}]""" },
        { "customerOrganizationId", "not a customer" },
        { "resellerOrganizationId", "reseller of the wrong kind" },
        { "distributorOrganizationId", "distributor of the wrong kind" },
    };

    [Theory]
    [MemberData(nameof(BadOrders))]
    public async Task Bad_input_is_a_problem_naming_the_field_and_writes_nothing(string field, string value)
    {
        var customer = await _deliveries.OrganizationAsync();
        var reseller = await _deliveries.OrganizationAsync(OrganizationKind.Reseller);
        var (_, token) = await _deliveries.MemberTokenAsync();
        var json = field switch
        {
            "number" => OrderJson(customer.Id, value),
            "customerOrganizationId" => OrderJson(reseller.Id, ConsoleDeliveries.UniqueNumber()),
            // A Customer organization named as reseller, a Reseller one as distributor.
            "resellerOrganizationId" => OrderJson(customer.Id, ConsoleDeliveries.UniqueNumber(), reseller: customer.Id),
            "distributorOrganizationId" => OrderJson(customer.Id, ConsoleDeliveries.UniqueNumber(), distributor: reseller.Id),
            _ => OrderJson(customer.Id, ConsoleDeliveries.UniqueNumber(), lines: value),
        };
        var before = await _deliveries.CountsAsync();

        using var response = await _deliveries.CallAsync(HttpMethod.Post, Orders, token, json, $"bad-{Guid.NewGuid():N}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await BodyAsync(response);
        Assert.StartsWith("purchase_order.", problem.GetProperty("code").GetString(), StringComparison.Ordinal);
        var errors = problem.GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(p => p.Name));
        Assert.NotEmpty(errors.GetProperty(field)[0].GetString()!);
        Assert.Equal(before, await _deliveries.CountsAsync());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"number":"PO-1","customerOrganizationId":"not-a-guid","lines":[]}""")]
    [InlineData("")]
    public async Task A_body_that_does_not_read_is_a_400_problem(string json)
    {
        var (_, token) = await _deliveries.MemberTokenAsync();
        var before = await _deliveries.CountsAsync();

        using var response = await _deliveries.CallAsync(HttpMethod.Post, Orders, token, json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await _deliveries.CountsAsync());
    }

    [Fact]
    public async Task A_number_already_used_is_a_409_at_the_number_and_writes_nothing()
    {
        var customer = await _deliveries.OrganizationAsync();
        var order = await _deliveries.OrderAsync(customer.Id);
        var (_, token) = await _deliveries.MemberTokenAsync();
        var before = await _deliveries.CountsAsync();

        using var response = await _deliveries.CallAsync(HttpMethod.Post, Orders, token, OrderJson(customer.Id, order.Number));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await BodyAsync(response);
        Assert.Equal("purchase_order.number_taken", problem.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Array, problem.GetProperty("errors").GetProperty("number").ValueKind);
        Assert.Equal(before, await _deliveries.CountsAsync());
    }

    [Fact]
    public async Task Operators_list_the_orders_naming_an_organization_a_page_at_a_time()
    {
        var customer = await _deliveries.OrganizationAsync();
        var reseller = await _deliveries.OrganizationAsync(OrganizationKind.Reseller);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await _deliveries.OrderAsync(customer.Id, reseller: i == 1 ? reseller.Id : null)).Id);
        }

        var (_, token) = await _deliveries.MemberTokenAsync();

        using var first = await _deliveries.CallAsync(HttpMethod.Get, $"{Orders}?organizationId={customer.Id}&limit=2", token);
        var firstPage = await BodyAsync(first);
        var cursor = firstPage.GetProperty("nextCursor").GetString();
        using var second = await _deliveries.CallAsync(HttpMethod.Get, $"{Orders}?organizationId={customer.Id}&limit=2&cursor={cursor}", token);
        var secondPage = await BodyAsync(second);
        using var byReseller = await _deliveries.CallAsync(HttpMethod.Get, $"{Orders}?organizationId={reseller.Id}", token);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var seen = firstPage.GetProperty("items").EnumerateArray().Concat(secondPage.GetProperty("items").EnumerateArray()).Select(o => o.GetProperty("id").GetGuid());
        Assert.Equal(Enumerable.Reverse(ids), seen);
        Assert.Equal(JsonValueKind.Null, secondPage.GetProperty("nextCursor").ValueKind);
        Assert.Equal([ids[1]], (await BodyAsync(byReseller)).GetProperty("items").EnumerateArray().Select(o => o.GetProperty("id").GetGuid()));
    }

    [Theory]
    [InlineData("?cursor=not-a-cursor!", "page.cursor_invalid")]
    [InlineData("?limit=0", "page.limit_invalid")]
    [InlineData("?limit=201", "page.limit_invalid")]
    [InlineData("?organizationId=nope", "request.malformed")]
    public async Task A_bad_cursor_limit_or_organization_is_a_400_problem(string query, string code)
    {
        var (_, token) = await _deliveries.MemberTokenAsync();

        using var response = await _deliveries.CallAsync(HttpMethod.Get, Orders + query, token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, (await BodyAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_unknown_order_is_a_404_problem()
    {
        var (_, token) = await _deliveries.MemberTokenAsync();

        using var response = await _deliveries.CallAsync(HttpMethod.Get, $"{Orders}/{Guid.NewGuid()}", token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("purchase_order.not_found", (await BodyAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_operator_moves_a_shipment_to_in_progress_then_shipped_and_back_to_requested_is_refused()
    {
        var customer = await _deliveries.OrganizationAsync();
        var order = await _deliveries.OrderAsync(customer.Id);
        var shipment = await _deliveries.ShipmentAsync(order, quantity: 4);
        var (operatorUser, token) = await _deliveries.MemberTokenAsync();
        var path = $"/api/v1/shipments/{shipment.Id}/state";

        using var started = await _deliveries.CallAsync(HttpMethod.Post, path, token, """{"state":"InProgress"}""");
        using var shipped = await _deliveries.CallAsync(HttpMethod.Post, path, token, """{"state":"Shipped"}""");
        var before = await _deliveries.CountsAsync();
        using var back = await _deliveries.CallAsync(HttpMethod.Post, path, token, """{"state":"Requested"}""");
        using var cancel = await _deliveries.CallAsync(HttpMethod.Post, path, token, """{"state":"Cancelled"}""");

        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        Assert.Equal("InProgress", (await BodyAsync(started)).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, shipped.StatusCode);
        var body = await BodyAsync(shipped);
        Assert.Equal("Shipped", body.GetProperty("state").GetString());
        Assert.Equal(order.Id, body.GetProperty("purchaseOrderId").GetGuid());
        Assert.NotEqual(JsonValueKind.Null, body.GetProperty("shippedAt").ValueKind);
        Assert.Equal(HttpStatusCode.Conflict, back.StatusCode);
        Assert.Equal("shipment.illegal_transition", (await BodyAsync(back)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        Assert.Equal(before, await _deliveries.CountsAsync());
        Assert.Equal(ShipmentState.Shipped, await _deliveries.StateOfAsync(shipment.Id));
        var moves = await _deliveries.AuditAsync(customer.Id, AuditActions.ShipmentStateChanged);
        Assert.Equal(2, moves.Count);
        Assert.All(moves, m => Assert.Equal(operatorUser.Id, m.ActorUserId));

        using var progress = await _deliveries.CallAsync(HttpMethod.Get, $"{Orders}/{order.Id}", token);
        var line = (await BodyAsync(progress)).GetProperty("lines")[0];
        Assert.Equal((4, 21), (line.GetProperty("shipped").GetInt32(), line.GetProperty("remaining").GetInt32()));
    }

    [Theory]
    [InlineData("""{"state":"Bogus"}""")]
    [InlineData("""{"state":1}""")]
    [InlineData("""{"state":null}""")]
    [InlineData("{}")]
    public async Task A_state_that_is_missing_or_not_a_states_name_is_a_400_problem_and_moves_nothing(string json)
    {
        var order = await _deliveries.OrderAsync((await _deliveries.OrganizationAsync()).Id);
        var shipment = await _deliveries.ShipmentAsync(order);
        var (_, token) = await _deliveries.MemberTokenAsync();
        var before = await _deliveries.CountsAsync();

        using var response = await _deliveries.CallAsync(HttpMethod.Post, $"/api/v1/shipments/{shipment.Id}/state", token, json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ShipmentState.Requested, await _deliveries.StateOfAsync(shipment.Id));
        Assert.Equal(before, await _deliveries.CountsAsync());
    }

    [Fact]
    public async Task Moving_an_unknown_shipment_is_a_404_problem()
    {
        var (_, token) = await _deliveries.MemberTokenAsync();

        using var response = await _deliveries.CallAsync(HttpMethod.Post, $"/api/v1/shipments/{Guid.NewGuid()}/state", token, """{"state":"InProgress"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("shipment.not_found", (await BodyAsync(response)).GetProperty("code").GetString());
    }

    public static TheoryData<string> Callers => ["none", "owner", "client", "operator without passkey"];

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task Anyone_but_an_operator_is_refused_by_every_endpoint_and_changes_nothing(string caller)
    {
        var customer = await _deliveries.OrganizationAsync();
        var order = await _deliveries.OrderAsync(customer.Id);
        var shipment = await _deliveries.ShipmentAsync(order);
        var token = caller switch
        {
            "none" => null,
            "owner" => (await _deliveries.MemberTokenAsync(await Members.In(factory.Services).AddAsync(customer.Id, MemberRoles.Owner))).Token,
            "client" => await _deliveries.ClientTokenAsync(),
            _ => (await _deliveries.MemberTokenAsync(methods: "pwd mfa")).Token,
        };
        var before = await _deliveries.CountsAsync();

        (HttpMethod Method, string Path, string? Body)[] calls =
        [
            (HttpMethod.Post, Orders, OrderJson(customer.Id, ConsoleDeliveries.UniqueNumber())),
            (HttpMethod.Get, Orders, null),
            (HttpMethod.Get, $"{Orders}/{order.Id}", null),
            (HttpMethod.Post, $"/api/v1/shipments/{shipment.Id}/state", """{"state":"InProgress"}"""),
        ];
        foreach (var (method, path, body) in calls)
        {
            using var response = await _deliveries.CallAsync(method, path, token, body, body is null ? null : $"k-{Guid.NewGuid():N}");
            // The console's bearer check refuses clients' own tokens (other than an automation
            // client's with the operator scope) as no credential (401), and a live token of somebody
            // it does not admit with 403, before any endpoint runs. Never a redirect, never data.
            Assert.Equal(caller is "none" or "client" ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain(order.Number, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await _deliveries.CountsAsync());
        Assert.Equal(ShipmentState.Requested, await _deliveries.StateOfAsync(shipment.Id));
    }

    public static TheoryData<string> FilteredCallers => ["owner", "client", "operator without passkey", "operator with another's session", "operator without the operator scope"];

    [Theory]
    [MemberData(nameof(FilteredCallers))]
    public async Task The_endpoint_filter_refuses_with_403_whoever_is_not_an_operator_signed_in_with_a_passkey(string caller)
    {
        var users = new SignedInUsers(factory.Services);
        var members = Members.In(factory.Services);
        var claims = caller switch
        {
            "client" => Principal(("sub", "fulfilment"), ("client_id", "fulfilment")),
            "owner" => await SessionPrincipalAsync(await members.AddAsync(null, MemberRoles.Owner), "hwk user"),
            "operator without passkey" => await SessionPrincipalAsync(await members.AddWithoutOrganizationAsync(isOperator: true), "pwd mfa"),
            "operator without the operator scope" => await SessionPrincipalAsync(await members.AddWithoutOrganizationAsync(isOperator: true), "hwk user", scope: "openid api"),
            _ => Principal(
                ("sub", (await members.AddWithoutOrganizationAsync(isOperator: true)).Id.ToString()),
                ("sid", (await users.StartSessionAsync(await members.AddWithoutOrganizationAsync(isOperator: true))).Id.ToString())),
        };

        var (result, ran) = await FilterAsync(claims);

        Assert.False(ran);
        var problem = Assert.IsType<ProblemHttpResult>(result);
        Assert.Equal(StatusCodes.Status403Forbidden, problem.StatusCode);
        Assert.Equal("operator.required", problem.ProblemDetails.Extensions["code"]);
    }

    [Fact]
    public async Task The_endpoint_filter_lets_an_operator_signed_in_with_a_passkey_through()
    {
        var user = await Members.In(factory.Services).AddWithoutOrganizationAsync(isOperator: true);

        var (result, ran) = await FilterAsync(await SessionPrincipalAsync(user, "hwk user"));

        Assert.True(ran);
        Assert.Equal("endpoint ran", result);
    }

    private async Task<ClaimsPrincipal> SessionPrincipalAsync(KeyPortal.Core.Users.User user, string methods, string scope = "openid operator")
    {
        var session = await new SignedInUsers(factory.Services).StartSessionAsync(user, methods: methods);
        return Principal((KeyPortalClaims.Subject, user.Id.ToString()), (KeyPortalClaims.SessionId, session.Id.ToString()), (KeyPortalClaims.ClientId, "admin"), ("scope", scope));
    }

    private static ClaimsPrincipal Principal(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "Bearer"));

    /// <summary>Runs the console's operator filter in front of an endpoint that says it ran.</summary>
    private async Task<(object? Result, bool Ran)> FilterAsync(ClaimsPrincipal principal)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider, User = principal };
        var ran = false;
        var result = await OperatorCallers.FilterAsync(new DefaultEndpointFilterInvocationContext(http), _ =>
        {
            ran = true;
            return ValueTask.FromResult<object?>("endpoint ran");
        });
        return (result, ran);
    }
}
