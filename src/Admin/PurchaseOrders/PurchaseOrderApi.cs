using System.Text.Json;
using System.Text.Json.Serialization;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Errors;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace KeyPortal.Admin.PurchaseOrders;

/// <summary>
/// The console's purchase-order API (<c>/api/v1</c>) for operators' own tools: enter a customer's
/// order, read orders across organizations, and move shipment requests through fulfilment.
/// Platform operators only (<see cref="OperatorCallers"/>); every change is audited with the
/// operator as actor, by the Core services that make it.
/// </summary>
public static class PurchaseOrderApi
{
    public const string Tag = "Purchase orders";

    public static RouteGroupBuilder MapPurchaseOrderApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var v1 = api.MapGroup("/v1").WithTags(Tag).RequireOperator();

        var orders = v1.MapGroup("/purchase-orders");
        orders.MapPost("/", CreatePurchaseOrderAsync)
            .WithName("CreatePurchaseOrder")
            .WithSummary("Enter a customer's purchase order")
            .WithDescription("The customer must be an organization of kind Customer; a reseller or distributor, of that kind. "
                + "Send an `Idempotency-Key` header to make retries safe: the same key and body answer with the first outcome and create nothing; "
                + "the same key with another body is refused (409). Bad input is refused with `errors` per field (`number`, `customerOrganizationId`, `lines[0].quantity`...).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        orders.MapGet("/", ListPurchaseOrdersAsync)
            .WithName("ListPurchaseOrders")
            .WithSummary("Purchase orders of every organization, or of one")
            .WithDescription("Newest first, keyset paged: pass `nextCursor` back as `cursor`. `organizationId` keeps the orders naming it as customer, reseller or distributor.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        orders.MapGet("/{id:guid}", GetPurchaseOrderAsync)
            .WithName("GetPurchaseOrder")
            .WithSummary("One purchase order with its lines and shipping progress")
            .ProducesProblem(StatusCodes.Status404NotFound);

        v1.MapPost("/shipments/{id:guid}/state", MoveShipmentAsync)
            .WithName("MoveShipment")
            .WithSummary("Move a shipment request through fulfilment")
            .WithDescription("`InProgress` starts fulfilment of a requested shipment, `Shipped` marks one in progress as shipped, "
                + "`Cancelled` cancels one that has not shipped (its quantity becomes free again). Any other move is refused (409).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    /// <summary>The body of <c>POST /shipments/{id}/state</c>.</summary>
    public sealed record ShipmentStateChange([property: JsonConverter(typeof(ShipmentStateNames))] ShipmentState? State);

    /// <summary>A shipment request after a move (no recipient: the caller has the shipment already).</summary>
    public sealed record ShipmentStateView(
        Guid Id, Guid PurchaseOrderId, [property: JsonConverter(typeof(ShipmentStateNames))] ShipmentState State, DateTimeOffset UpdatedAt, DateTimeOffset? ShippedAt);

    /// <summary>States by name only (<c>"InProgress"</c>): a number would name a state nobody meant.</summary>
    public sealed class ShipmentStateNames() : JsonStringEnumConverter<ShipmentState>(namingPolicy: null, allowIntegerValues: false);

    private static async Task<Created<PurchaseOrderView>> CreatePurchaseOrderAsync(
        HttpContext http,
        PortalDbContext db,
        PurchaseOrderService service,
        DeliveryQueries queries,
        IdempotencyStore idempotency,
        IOptions<JsonOptions> json,
        PurchaseOrderInput input,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey)
    {
        var actor = await http.OperatorActorAsync(db);
        var options = json.Value.SerializerOptions;
        // The key belongs to the operator (or automation client) and to this operation; the hash is
        // of the order as bound, so the same order sent with other spacing or property order is the same request.
        var scope = $"purchase-orders.create:{OperatorCallers.IdempotencyOwnerOf(actor)}";
        var hash = IdempotencyStore.HashOf(http.Request.Method, http.Request.Path, JsonSerializer.SerializeToUtf8Bytes(input, options));
        Task<IdempotentOutcome> RunAsync() => idempotency.RunAsync(scope, idempotencyKey, hash, async ct =>
        {
            var created = await service.CreateAsync(actor, input, ct);
            var view = await queries.AnyPurchaseOrderAsync(created.Id, ct);
            return new IdempotentOutcome(StatusCodes.Status201Created, JsonSerializer.Serialize(view, options), LocationOf(created.Id), Replayed: false);
        }, http.RequestAborted);

        IdempotentOutcome outcome;
        try
        {
            try
            {
                outcome = await RunAsync();
            }
            catch (DomainException refused) when (idempotencyKey is not null && refused.Error.Code == DomainErrors.PurchaseOrderNumberTaken.Code)
            {
                // A retry of this very request, arriving at the same moment, created the order and
                // stored its outcome in the same transaction: that outcome is the answer. Asked once
                // more; a number that another order holds is refused again, and nothing is written.
                outcome = await RunAsync();
            }
        }
        catch (DomainException refused) when (PurchaseOrderRefusals.WithFieldErrors(refused.Error) is var detailed && !ReferenceEquals(detailed, refused.Error))
        {
            // Thrown again with the field it is about, for DomainExceptionHandler to answer.
            throw new DomainException(detailed);
        }

        if (outcome.Replayed)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return TypedResults.Created(outcome.Location, JsonSerializer.Deserialize<PurchaseOrderView>(outcome.Body, options));
    }

    private static async Task<Ok<Page<PurchaseOrderView>>> ListPurchaseOrdersAsync(
        DeliveryQueries queries, Guid? organizationId, string? cursor, int? limit, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queries.AllPurchaseOrdersAsync(organizationId, cursor, limit, cancellationToken));

    private static async Task<Results<Ok<PurchaseOrderView>, ProblemHttpResult>> GetPurchaseOrderAsync(
        DeliveryQueries queries, Guid id, CancellationToken cancellationToken) =>
        await queries.AnyPurchaseOrderAsync(id, cancellationToken) is { } order
            ? TypedResults.Ok(order)
            : Problem(DomainErrors.PurchaseOrderNotFound);

    private static async Task<Results<Ok<ShipmentStateView>, ProblemHttpResult>> MoveShipmentAsync(
        HttpContext http, PortalDbContext db, ShipmentService shipments, Guid id, ShipmentStateChange change)
    {
        if (change.State is not { } to)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Give the state to move the shipment request to.",
                type: "urn:keyportal:error:shipment.state_missing",
                extensions: new Dictionary<string, object?>
                {
                    ["code"] = "shipment.state_missing",
                    [PurchaseOrderRefusals.ErrorsKey] = new Dictionary<string, string[]> { ["state"] = ["Choose InProgress, Shipped or Cancelled."] },
                });
        }

        var moved = await shipments.MoveAsync(await http.OperatorActorAsync(db), id, to, http.RequestAborted);
        return TypedResults.Ok(new ShipmentStateView(moved.Id, moved.PurchaseOrderId, moved.State, moved.UpdatedAt, moved.ShippedAt));
    }

    private static string LocationOf(Guid id) => $"/api/v1/purchase-orders/{id}";

    private static ProblemHttpResult Problem(DomainError error) =>
        TypedResults.Problem(
            statusCode: DomainExceptionHandler.StatusCodeOf(error),
            title: error.Message,
            type: $"urn:keyportal:error:{error.Code}",
            extensions: new Dictionary<string, object?> { ["code"] = error.Code });
}
