using System.Net;
using KeyPortal.Core.Delivery;

namespace KeyPortal.Portal.Tests.DeliveryApi;

/// <summary>
/// SPEC Roles and permissions over the delivery API: every role × every endpoint, allowed or
/// forbidden exactly as the table says, with members' own access tokens and with API tokens
/// (which only Owners and Admins hold). A forbidden call is a 403 problem and changes nothing.
/// </summary>
[Collection(DeliveryApiFixture.Collection)]
public sealed class DeliveryApiPermissionTests(DeliveryApiFixture app)
{
    private static readonly ApiRole[] Everyone = Enum.GetValues<ApiRole>();

    private static readonly ApiRole[] CustomerReaders = [ApiRole.Owner, ApiRole.Admin, ApiRole.Auditor, ApiRole.DemoOwner];

    private static readonly ApiRole[] Editors = [ApiRole.Owner, ApiRole.Admin];

    /// <summary>The table, as SPEC writes it, endpoint by endpoint: who may call it and what success answers.</summary>
    public static TheoryData<string, ApiRole> Calls()
    {
        var data = new TheoryData<string, ApiRole>();
        foreach (var endpoint in Endpoints.Keys)
        {
            foreach (var role in Everyone)
            {
                data.Add(endpoint, role);
            }
        }

        return data;
    }

    private static readonly Dictionary<string, (ApiRole[] Allowed, HttpStatusCode Success)> Endpoints = new()
    {
        // View shipments, purchase orders: Owner, Admin, Auditor; channel partners see the orders naming them.
        ["GET /purchase-orders"] = (Everyone, HttpStatusCode.OK),
        ["GET /purchase-orders/{order}"] = (Everyone, HttpStatusCode.OK),
        ["GET /shipments"] = (CustomerReaders, HttpStatusCode.OK),
        ["GET /shipments/{shipment}"] = (CustomerReaders, HttpStatusCode.OK),
        // Create/edit shipment requests, correct shipping addresses: Owner, Admin.
        ["POST /shipments"] = (Editors, HttpStatusCode.Created),
        ["PUT /shipments/{shipment}"] = (Editors, HttpStatusCode.OK),
        ["POST /shipments/{shipment}/cancel"] = (Editors, HttpStatusCode.NoContent),
        ["POST /addresses/validate"] = (Editors, HttpStatusCode.OK),
        // Download CSV files: Owner only.
        ["GET /shipments/export.csv"] = ([ApiRole.Owner], HttpStatusCode.OK),
        ["GET /addresses/countries"] = (Everyone, HttpStatusCode.OK),
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task With_the_members_own_access_token(string endpoint, ApiRole role)
    {
        await AssertAsExpectedAsync(endpoint, role, await app.MemberAccessTokenAsync(role));
    }

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task With_an_api_token_of_an_owner_or_admin(string endpoint, ApiRole role)
    {
        if (!Editors.Contains(role))
        {
            // Nobody else can hold a token: generating one is refused, and a token whose member
            // later loses the right dies with it (the token death tests).
            var refused = await Assert.ThrowsAsync<KeyPortal.Core.Errors.DomainException>(() => app.ApiTokenAsync(role));
            Assert.Equal("api_token.not_permitted", refused.Error.Code);
            return;
        }

        Assert.NotNull(endpoint);
        await AssertAsExpectedAsync(endpoint, role, await app.ApiTokenAsync(role));
    }

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task With_a_jwt_issued_against_an_api_token(string endpoint, ApiRole role)
    {
        if (!Editors.Contains(role))
        {
            // Without a token there is nothing to exchange: the token endpoint never sees one.
            var refused = await Assert.ThrowsAsync<KeyPortal.Core.Errors.DomainException>(() => app.ApiTokenAsync(role));
            Assert.Equal("api_token.not_permitted", refused.Error.Code);
            return;
        }

        var jwt = await KeyPortal.TestSupport.ApiTokenClients.JwtForAsync(app.IdentityProvider.CreateClient(), await app.ApiTokenAsync(role));
        Assert.DoesNotContain("kpat_", jwt.Split('.')[0], StringComparison.Ordinal);
        await AssertAsExpectedAsync(endpoint, role, jwt);
    }

    private async Task AssertAsExpectedAsync(string endpoint, ApiRole role, string token)
    {
        var (allowed, success) = Endpoints[endpoint];
        var shipment = await app.ShipmentAsync();
        var before = await app.SnapshotAsync();
        var (method, path) = (endpoint.Split(' ')[0], endpoint.Split(' ')[1]);
        path = "/api/v1" + path.Replace("{order}", app.Order.Id.ToString(), StringComparison.Ordinal)
            .Replace("{shipment}", shipment.ToString(), StringComparison.Ordinal);
        object? body = endpoint switch
        {
            "POST /shipments" => new ShipmentInput(app.Order.Id, DeliveryApiFixture.Recipient, [new ShipmentItemInput(app.Order.Lines[0].Id, 1)], null),
            "PUT /shipments/{shipment}" => new { recipient = DeliveryApiFixture.Recipient with { Street = "18 Vandergrift Lane" }, items = new[] { new ShipmentItemInput(app.Order.Lines[0].Id, 1) } },
            "POST /addresses/validate" => DeliveryApiFixture.Recipient,
            _ => null,
        };

        using var response = await app.CallAsync(new HttpMethod(method), path, token, body);
        var text = await response.Content.ReadAsStringAsync();

        if (allowed.Contains(role))
        {
            Assert.True(success == response.StatusCode, $"{role} {endpoint}: {(int)response.StatusCode} {text}");
        }
        else
        {
            Assert.True(HttpStatusCode.Forbidden == response.StatusCode, $"{role} {endpoint}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(before, await app.SnapshotAsync());
        }

        if (role is ApiRole.ResellerOnly or ApiRole.DistributorOnly)
        {
            // Channel partners never receive personal data, in any answer.
            Assert.All(DeliveryApiFixture.PersonalData, value => Assert.DoesNotContain(value, text, StringComparison.OrdinalIgnoreCase));
        }
    }
}
