using System.Net;
using System.Text;
using System.Text.Json;
using KeyPortal.Core.Delivery;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Portal.Tests.DeliveryApi;

/// <summary>The delivery API as a customer's system uses it: documented, idempotent, clear about bad input.</summary>
[Collection(DeliveryApiFixture.Collection)]
public sealed class DeliveryApiTests(DeliveryApiFixture app)
{
    private ShipmentInput OneKey(ShippingAddress? to = null, string? reason = null) =>
        new(app.Order.Id, to ?? DeliveryApiFixture.Recipient, [new ShipmentItemInput(app.Order.Lines[0].Id, 1)], reason);

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task A_retried_creation_with_the_same_key_creates_one_shipment_and_answers_the_same()
    {
        var token = await app.ApiTokenAsync(ApiRole.Admin);
        var key = $"order-sync-{Guid.NewGuid():N}";
        var countBefore = await CountShipmentsAsync();

        using var first = await app.CallAsync(HttpMethod.Post, "/api/v1/shipments", token, OneKey(), key);
        using var retry = await app.CallAsync(HttpMethod.Post, "/api/v1/shipments", token, OneKey(), key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal((await JsonOf(first)).GetProperty("id").GetGuid(), (await JsonOf(retry)).GetProperty("id").GetGuid());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(countBefore + 1, await CountShipmentsAsync());

        using var otherBody = await app.CallAsync(HttpMethod.Post, "/api/v1/shipments", token, OneKey(DeliveryApiFixture.Recipient with { City = "Uppsala" }), key);
        Assert.Equal(HttpStatusCode.Conflict, otherBody.StatusCode);
        Assert.Equal("idempotency.key_reused", (await JsonOf(otherBody)).GetProperty("code").GetString());
        Assert.Equal(countBefore + 1, await CountShipmentsAsync());
    }

    [Fact]
    public async Task A_key_used_in_one_organization_replays_nothing_after_the_member_moves_to_another()
    {
        var (other, otherOwner) = await OtherCustomerAsync();
        var member = await app.Members.AddAsync(app.Customer.Id, KeyPortal.Core.Memberships.MemberRoles.Admin);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<KeyPortal.Core.Memberships.MembershipService>()
                .AddMemberAsync(KeyPortal.Core.Auditing.AuditActor.ForUser(otherOwner, "192.0.2.9"), other.Id, member.Email!, KeyPortal.Core.Memberships.MemberRoles.Owner);
        }

        var token = await app.MemberAccessTokenAsync(member);
        using (var first = await app.CallAsync(HttpMethod.Post, "/api/v1/shipments", token, OneKey(), "moving-key"))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<KeyPortal.Core.Memberships.MembershipService>()
                .RemoveMemberAsync(KeyPortal.Core.Auditing.AuditActor.ForUser(app.People[ApiRole.Owner], "192.0.2.1"), app.Customer.Id, member.Id);
        }

        // Now working in the other organization: the same key and body are a new request there.
        using var replay = await app.CallAsync(HttpMethod.Post, "/api/v1/shipments", token, OneKey(), "moving-key");
        var body = await replay.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, replay.StatusCode);
        Assert.DoesNotContain(DeliveryApiFixture.Recipient.RecipientName, body, StringComparison.Ordinal);
        Assert.False(replay.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task An_invalid_address_is_a_problem_with_errors_per_field_and_writes_nothing()
    {
        var token = await app.MemberAccessTokenAsync(ApiRole.Owner);
        var before = await app.SnapshotAsync();

        using var response = await app.CallAsync(HttpMethod.Post, "/api/v1/shipments", token,
            OneKey(DeliveryApiFixture.Recipient with { PostalCode = "ABCDE", Country = "US", Region = "CA", Phone = "+1 415 555 0100" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await JsonOf(response);
        Assert.Equal("address.invalid", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("overridable").GetBoolean());
        Assert.True(problem.GetProperty("errors").TryGetProperty("postalCode", out _));
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Theory]
    [InlineData("/api/v1/shipments?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("/api/v1/shipments?cursor=%21%21", HttpStatusCode.BadRequest)]
    [InlineData("/api/v1/shipments?state=Lost", HttpStatusCode.BadRequest)]
    [InlineData("/api/v1/shipments/0195a6d2-0000-7000-8000-00000000abcd", HttpStatusCode.NotFound)]
    [InlineData("/api/v1/purchase-orders/0195a6d2-0000-7000-8000-00000000abcd", HttpStatusCode.NotFound)]
    public async Task Bad_queries_are_problems_not_pages(string path, HttpStatusCode expected)
    {
        var token = await app.MemberAccessTokenAsync(ApiRole.Auditor);

        using var response = await app.CallAsync(HttpMethod.Get, path, token);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_malformed_body_is_a_400_problem_and_writes_nothing()
    {
        var token = await app.MemberAccessTokenAsync(ApiRole.Owner);
        var before = await app.SnapshotAsync();

        using var response = await app.CallAsync(HttpMethod.Post, "/api/v1/shipments", token, new StringContent("{\"purchaseOrderId\": 12", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("   at ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Fact]
    public async Task Another_organizations_shipment_is_not_found_for_reading_or_editing()
    {
        var (other, otherOwner) = await OtherCustomerAsync();
        var shipment = await app.ShipmentAsync();
        var token = await OtherOwnersTokenAsync(other, otherOwner);
        var before = await app.SnapshotAsync();

        using var read = await app.CallAsync(HttpMethod.Get, $"/api/v1/shipments/{shipment}", token);
        using var cancel = await app.CallAsync(HttpMethod.Post, $"/api/v1/shipments/{shipment}/cancel", token);
        using var create = await app.CallAsync(HttpMethod.Post, "/api/v1/shipments", token, OneKey());

        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, create.StatusCode);
        Assert.DoesNotContain(DeliveryApiFixture.Recipient.RecipientName, await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Fact]
    public async Task The_openapi_document_parses_and_lists_every_endpoint_and_the_reference_page_is_served()
    {
        using var client = app.CreateBrowser();

        using var document = await client.GetAsync(new Uri("/api/openapi/v1.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        var openApi = await JsonOf(document);
        Assert.StartsWith("3.", openApi.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var operations = openApi.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("operationId", out _))
                .Select(o => $"{o.Name.ToUpperInvariant()} {path.Name} {o.Value.GetProperty("operationId").GetString()}"))
            .ToList();
        string[] expected =
        [
            "GET /api/v1/purchase-orders ListPurchaseOrders", "GET /api/v1/purchase-orders/{id} GetPurchaseOrder",
            "GET /api/v1/shipments ListShipments", "GET /api/v1/shipments/{id} GetShipment", "POST /api/v1/shipments CreateShipment",
            "PUT /api/v1/shipments/{id} UpdateShipment", "POST /api/v1/shipments/{id}/cancel CancelShipment",
            "GET /api/v1/shipments/export.csv ExportShipments", "POST /api/v1/addresses/validate ValidateAddress", "GET /api/v1/addresses/countries ListCountries",
        ];
        Assert.Equal(expected.Order(), operations.Select(o => o.Replace("/{id}/", "/{id}/", StringComparison.Ordinal)).Order());
        Assert.True(openApi.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _));
        var create = openApi.GetProperty("paths").GetProperty("/api/v1/shipments").GetProperty("post");
        Assert.Contains(create.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key");

        using var reference = await client.GetAsync(new Uri("/api/docs/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Equal("text/html", reference.Content.Headers.ContentType?.MediaType);
        var page = await reference.Content.ReadAsStringAsync();
        Assert.Contains("api/openapi/v1.json", page, StringComparison.Ordinal);
        // The reference page's script is served here, not from a CDN.
        Assert.Contains("<script src=\"scalar.js\">", page, StringComparison.Ordinal);
        using var script = await client.GetAsync(new Uri("/api/docs/scalar.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    [Fact]
    public async Task A_hand_written_client_follows_the_documented_sequence_with_an_api_token()
    {
        var token = await app.ApiTokenAsync(ApiRole.Owner);

        // 1. Which orders can we ship from, and how many remain?
        using var orders = await app.CallAsync(HttpMethod.Get, "/api/v1/purchase-orders?number=PO-2026", token);
        Assert.Equal(HttpStatusCode.OK, orders.StatusCode);
        var order = (await JsonOf(orders)).GetProperty("items").EnumerateArray().Single(o => o.GetProperty("id").GetGuid() == app.Order.Id);
        var line = order.GetProperty("lines")[0];
        var remaining = line.GetProperty("remaining").GetInt32();

        // 2. Check the address first, as the shipping form does.
        var address = new ShippingAddress("Ines Berg", "ines.berg@example.de", "+49 30 901820", "Unter den Linden 5", "Berlin", null, "10117", "DE");
        using var check = await app.CallAsync(HttpMethod.Post, "/api/v1/addresses/validate", token, address);
        Assert.True((await JsonOf(check)).GetProperty("valid").GetBoolean());

        // 3. Request the shipment, safely retryable.
        using var created = await app.CallAsync(HttpMethod.Post, "/api/v1/shipments", token,
            new ShipmentInput(app.Order.Id, address, [new ShipmentItemInput(line.GetProperty("id").GetGuid(), 2)], null), Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var shipment = await JsonOf(created);
        Assert.Equal("Requested", shipment.GetProperty("state").GetString());

        // 4. Read it back where Location says, and find it in the list.
        using var read = await app.CallAsync(HttpMethod.Get, created.Headers.Location!.OriginalString, token);
        Assert.Equal("Ines Berg", (await JsonOf(read)).GetProperty("recipient").GetProperty("recipientName").GetString());
        using var listed = await app.CallAsync(HttpMethod.Get, $"/api/v1/shipments?purchaseOrderId={app.Order.Id}&state=Requested&limit=200", token);
        Assert.Contains((await JsonOf(listed)).GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetGuid() == shipment.GetProperty("id").GetGuid());
        using var after = await app.CallAsync(HttpMethod.Get, $"/api/v1/purchase-orders/{app.Order.Id}", token);
        Assert.Equal(remaining - 2, (await JsonOf(after)).GetProperty("lines")[0].GetProperty("remaining").GetInt32());

        // 5. The CSV download has it.
        using var csv = await app.CallAsync(HttpMethod.Get, "/api/v1/shipments/export.csv", token);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("attachment", csv.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        Assert.Contains("Ines Berg", await csv.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<int> CountShipmentsAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(
            scope.ServiceProvider.GetRequiredService<KeyPortal.Core.Persistence.PortalDbContext>().ShipmentRequests);
    }

    private async Task<(KeyPortal.Core.Organizations.Organization, KeyPortal.Core.Users.User)> OtherCustomerAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var slug = $"other-{Guid.NewGuid():N}"[..20];
        var other = await scope.ServiceProvider.GetRequiredService<KeyPortal.Core.Organizations.OrganizationService>()
            .CreateAsync(KeyPortal.Core.Auditing.AuditActor.System, "Other Customer", slug, KeyPortal.Core.Organizations.OrganizationKind.Customer);
        return (other, await app.Members.AddAsync(other.Id, KeyPortal.Core.Memberships.MemberRoles.Owner));
    }

    private async Task<string> OtherOwnersTokenAsync(KeyPortal.Core.Organizations.Organization other, KeyPortal.Core.Users.User owner)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var generated = await scope.ServiceProvider.GetRequiredService<KeyPortal.Core.ApiTokens.ApiTokenService>()
            .GenerateAsync(KeyPortal.Core.Auditing.AuditActor.ForUser(owner, "192.0.2.9"), other.Id, "Other system", null);
        return generated.Value;
    }
}
