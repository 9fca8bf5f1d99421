using System.Text;
using System.Text.Json;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Authorization;
using KeyPortal.Core.Delivery;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Sessions;
using Microsoft.AspNetCore.Mvc;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.Extensions.Options;

namespace KeyPortal.Portal.Delivery;

/// <summary>
/// The delivery API (<c>/api/v1</c>) that customers' shipping systems call with an API token
/// (directly as a bearer token, or exchanged for a short-lived access token at the identity
/// provider). Every endpoint acts in the caller's organization with the member's permissions of
/// the moment (SPEC Roles and permissions). Purchase orders are served to customers and channel
/// partners alike and carry no personal data; shipment requests, which do, are served only to the
/// customer organization's members.
/// </summary>
internal static class DeliveryApi
{
    public static RouteGroupBuilder MapDeliveryApi(this RouteGroupBuilder api)
    {
        var v1 = api.MapGroup("/v1");

        var orders = v1.MapGroup("/purchase-orders").WithTags("Purchase orders");
        orders.MapGet("/", ListPurchaseOrdersAsync)
            .WithName("ListPurchaseOrders")
            .WithSummary("Purchase orders of the organization, and those naming it as reseller or distributor")
            .WithDescription("Newest first, keyset paged: pass `nextCursor` back as `cursor`. Channel partners see quantities and shipping progress only.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);
        orders.MapGet("/{id:guid}", GetPurchaseOrderAsync)
            .WithName("GetPurchaseOrder")
            .WithSummary("One purchase order with its lines and shipping progress")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var shipments = v1.MapGroup("/shipments").WithTags("Shipment requests");
        shipments.MapGet("/", ListShipmentsAsync)
            .RequireAuthorization(PermissionRequirement.PolicyName(Permission.ViewOrganization))
            .WithName("ListShipments")
            .WithSummary("Shipment requests of the organization")
            .WithDescription("Newest first, keyset paged; filter by `state` and `purchaseOrderId`.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        shipments.MapGet("/{id:guid}", GetShipmentAsync)
            .RequireAuthorization(PermissionRequirement.PolicyName(Permission.ViewOrganization))
            .WithName("GetShipment")
            .WithSummary("One shipment request with its recipient")
            .ProducesProblem(StatusCodes.Status404NotFound);
        shipments.MapPost("/", CreateShipmentAsync)
            .RequireAuthorization(PermissionRequirement.PolicyName(Permission.EditShipmentRequests))
            .WithName("CreateShipment")
            .WithSummary("Request a shipment against a purchase order")
            .WithDescription("Send an `Idempotency-Key` header to make retries safe: the same key and body answer with the first outcome and create nothing. "
                + "An address that fails validation is refused with per-field `errors`; when `overridable` is true, an Owner or Admin may keep it by sending `overrideReason`.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        shipments.MapPut("/{id:guid}", UpdateShipmentAsync)
            .RequireAuthorization(PermissionRequirement.PolicyName(Permission.CorrectShippingAddresses))
            .WithName("UpdateShipment")
            .WithSummary("Edit a requested shipment, or correct the address of one in progress")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        shipments.MapPost("/{id:guid}/cancel", CancelShipmentAsync)
            .RequireAuthorization(PermissionRequirement.PolicyName(Permission.EditShipmentRequests))
            .WithName("CancelShipment")
            .WithSummary("Cancel a shipment request that has not started")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        shipments.MapGet("/export.csv", ExportShipmentsAsync)
            .RequireAuthorization(PermissionRequirement.PolicyName(Permission.DownloadCsv))
            .WithName("ExportShipments")
            .WithSummary("Every shipment request as CSV (Owners only)")
            .WithDescription("Streamed; cells that a spreadsheet would read as formulas are written with a leading apostrophe. The download is audited.")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");

        var addresses = v1.MapGroup("/addresses").WithTags("Addresses");
        addresses.MapPost("/validate", ValidateAddress)
            .RequireAuthorization(PermissionRequirement.PolicyName(Permission.EditShipmentRequests))
            .WithName("ValidateAddress")
            .WithSummary("Check a shipping address without saving anything")
            .WithDescription("Returns the normalized address and the problems per field; `overridable` problems may be kept with a reason.");
        addresses.MapGet("/countries", () => TypedResults.Ok(Countries.All))
            .WithName("ListCountries")
            .WithSummary("ISO 3166-1 countries a shipment can go to");
        return api;
    }

    /// <summary>The answer of <c>POST /addresses/validate</c>.</summary>
    public sealed record AddressCheck(bool Valid, ShippingAddress Normalized, IReadOnlyList<AddressProblem> Problems);

    /// <summary>The body of <c>PUT /shipments/{id}</c>: the whole request as it should be.</summary>
    public sealed record ShipmentUpdate(ShippingAddress Recipient, IReadOnlyList<ShipmentItemInput> Items, string? OverrideReason);

    private static async Task<Results<Ok<Page<PurchaseOrderView>>, ProblemHttpResult>> ListPurchaseOrdersAsync(
        HttpContext http, CurrentMember member, DeliveryQueries queries, string? number, string? cursor, int? limit)
    {
        if (await ReaderOfOrdersAsync(http, member) is not { } reader)
        {
            return Forbidden(member, Permission.ViewOrganization);
        }

        return TypedResults.Ok(await queries.PurchaseOrdersAsync(reader.OrganizationId, reader.AsCustomer, reader.AsChannel, number, cursor, limit, http.RequestAborted));
    }

    private static async Task<Results<Ok<PurchaseOrderView>, ProblemHttpResult>> GetPurchaseOrderAsync(
        HttpContext http, CurrentMember member, DeliveryQueries queries, Guid id)
    {
        if (await ReaderOfOrdersAsync(http, member) is not { } reader)
        {
            return Forbidden(member, Permission.ViewOrganization);
        }

        return await queries.PurchaseOrderAsync(reader.OrganizationId, reader.AsCustomer, reader.AsChannel, id, http.RequestAborted) is { } order
            ? TypedResults.Ok(order)
            : NotFound(DomainErrors.PurchaseOrderNotFound);
    }

    private static async Task<Ok<Page<ShipmentView>>> ListShipmentsAsync(
        HttpContext http, CurrentMember member, DeliveryQueries queries, ShipmentState? state, Guid? purchaseOrderId, string? cursor, int? limit) =>
        TypedResults.Ok(await queries.ShipmentsAsync(member.OrganizationId!.Value, new ShipmentFilter(state, purchaseOrderId), cursor, limit, http.RequestAborted));

    private static async Task<Results<Ok<ShipmentView>, ProblemHttpResult>> GetShipmentAsync(
        HttpContext http, CurrentMember member, DeliveryQueries queries, Guid id) =>
        await queries.ShipmentAsync(member.OrganizationId!.Value, id, http.RequestAborted) is { } shipment
            ? TypedResults.Ok(shipment)
            : NotFound(DomainErrors.ShipmentNotFound);

    private static async Task<Created<ShipmentView>> CreateShipmentAsync(
        HttpContext http,
        CurrentMember member,
        PortalDbContext db,
        ShipmentService service,
        DeliveryQueries queries,
        IdempotencyStore idempotency,
        IOptions<JsonOptions> json,
        ShipmentInput input,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey)
    {
        var organizationId = member.OrganizationId!.Value;
        var actor = await ActorAsync(http, db);
        var options = json.Value.SerializerOptions;
        // The key belongs to the caller (one API token, or one member in this organization) and
        // to this operation: a member who moves to another organization never replays the first's answer.
        var scope = $"shipments:{organizationId:N}:{http.User.FindFirst(KeyPortalClaims.ApiToken)?.Value ?? member.UserId.ToString("N")}";
        var hash = IdempotencyStore.HashOf(http.Request.Method, http.Request.Path, JsonSerializer.SerializeToUtf8Bytes(input, options));
        var outcome = await idempotency.RunAsync(scope, idempotencyKey, hash, async ct =>
        {
            var created = await service.CreateAsync(actor, organizationId, input, ct);
            var view = await queries.ShipmentAsync(organizationId, created.Id, ct);
            return new IdempotentOutcome(StatusCodes.Status201Created, JsonSerializer.Serialize(view, options), $"/api/v1/shipments/{created.Id}", Replayed: false);
        }, http.RequestAborted);
        if (outcome.Replayed)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return TypedResults.Created(outcome.Location, JsonSerializer.Deserialize<ShipmentView>(outcome.Body, options));
    }

    private static async Task<Ok<ShipmentView>> UpdateShipmentAsync(
        HttpContext http, CurrentMember member, PortalDbContext db, ShipmentService service, DeliveryQueries queries, Guid id, ShipmentUpdate update)
    {
        var organizationId = member.OrganizationId!.Value;
        var actor = await ActorAsync(http, db);
        await service.UpdateAsync(actor, organizationId, id, new ShipmentInput(Guid.Empty, update.Recipient, update.Items, update.OverrideReason), http.RequestAborted);
        return TypedResults.Ok((await queries.ShipmentAsync(organizationId, id, http.RequestAborted))!);
    }

    private static async Task<NoContent> CancelShipmentAsync(HttpContext http, CurrentMember member, PortalDbContext db, ShipmentService service, Guid id)
    {
        await service.CancelAsync(await ActorAsync(http, db), member.OrganizationId!.Value, id, http.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ExportShipmentsAsync(
        HttpContext http, CurrentMember member, PortalDbContext db, AuditTrail audit, DeliveryQueries queries, ShipmentState? state, Guid? purchaseOrderId)
    {
        var organization = member.Current!;
        var filter = new ShipmentFilter(state, purchaseOrderId);
        // Audited before a byte leaves: a download that breaks off midway is still on record.
        audit.Record(await ActorAsync(http, db), AuditActions.ShipmentsExported, organization.Id, details: new { state = state?.ToString(), purchaseOrderId, via = "api" });
        await db.SaveChangesAsync(http.RequestAborted);
        var name = $"shipments-{organization.Slug}-{DateTime.UtcNow:yyyy-MM-dd}.csv";
        return Results.Stream(
            async stream =>
            {
                await using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), bufferSize: 16 * 1024);
                await ShipmentCsv.WriteAsync(writer, queries.AllShipmentsAsync(organization.Id, filter, http.RequestAborted), http.RequestAborted);
            },
            ShipmentCsv.ContentType,
            name);
    }

    private static Ok<AddressCheck> ValidateAddress(ShippingAddress address)
    {
        var normalized = AddressValidation.Normalize(address);
        var problems = AddressValidation.Validate(normalized);
        return TypedResults.Ok(new AddressCheck(problems.Count == 0, normalized, problems));
    }

    /// <summary>Who reads purchase orders here, and as what: the customer, a channel partner, or both.</summary>
    private static async Task<OrderReader?> ReaderOfOrdersAsync(HttpContext http, CurrentMember member)
    {
        await member.LoadAsync(http.User, http.RequestAborted);
        var asCustomer = member.Allows(Permission.ViewOrganization);
        var asChannel = member.Allows(Permission.ViewChannelPurchaseOrders);
        return member.OrganizationId is { } organizationId && (asCustomer || asChannel) ? new OrderReader(organizationId, asCustomer, asChannel) : null;
    }

    private sealed record OrderReader(Guid OrganizationId, bool AsCustomer, bool AsChannel);

    /// <summary>The member as the actor of an audited change; a token's calls name the token too.</summary>
    private static async Task<AuditActor> ActorAsync(HttpContext http, PortalDbContext db)
    {
        var actor = await http.SignedInActorAsync(db);
        return http.User.FindFirst(KeyPortalClaims.ApiToken)?.Value is { } token ? actor with { Name = $"{actor.Name} (API token {token})" } : actor;
    }

    private static ProblemHttpResult Forbidden(CurrentMember member, Permission permission) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: member.RefusalOf(permission), type: "urn:keyportal:error:forbidden");

    private static ProblemHttpResult NotFound(DomainError error) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: error.Message,
            type: $"urn:keyportal:error:{error.Code}",
            extensions: new Dictionary<string, object?> { ["code"] = error.Code });
}
