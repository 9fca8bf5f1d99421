using System.Net;
using KeyPortal.Core.Authorization;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Users;

namespace KeyPortal.Portal.Tests.Delivery;

/// <summary>
/// Every role × every delivery page and action over HTTP: allowed ones work, refused ones answer
/// 403 with the refusal and change nothing. The expected cell is what
/// <see cref="PermissionMatrix"/> (itself tested cell by cell against SPEC) says of the member's
/// state and roles for the permission the action needs.
/// </summary>
[Collection(DeliveryFixture.Collection)]
public sealed class DeliveryPermissionMatrixTests(DeliveryFixture fixture)
{
    public enum Actor { Owner, Admin, Auditor, ResellerOnly, DistributorOnly, DemoModeOwner }

    public enum Act
    {
        ViewApiTokens, GenerateApiToken, RevokeApiToken,
        ViewPurchaseOrders, ViewPurchaseOrder,
        ViewShipments, ViewShipment, ViewNewShipment, CreateShipment, ViewEditShipment, EditShipment, CancelShipment,
        DownloadCsv,
    }

    /// <summary>The permissions of which an act needs one (purchase orders are read by either).</summary>
    private static Permission[] Needs(Act act) => act switch
    {
        Act.ViewApiTokens or Act.GenerateApiToken or Act.RevokeApiToken => [Permission.GenerateApiToken],
        Act.ViewPurchaseOrders or Act.ViewPurchaseOrder => [Permission.ViewOrganization, Permission.ViewChannelPurchaseOrders],
        Act.ViewShipments or Act.ViewShipment => [Permission.ViewOrganization],
        Act.DownloadCsv => [Permission.DownloadCsv],
        _ => [Permission.EditShipmentRequests],
    };

    /// <summary>Given with every form, so the address is saved whatever the address checks think of it (SPEC lets Owners and Admins override).</summary>
    private const string Reason = "Confirmed with the recipient.";

    private static bool Changes(Act act) =>
        act is Act.GenerateApiToken or Act.RevokeApiToken or Act.CreateShipment or Act.EditShipment or Act.CancelShipment;

    public static TheoryData<Actor, Act> Cells()
    {
        var data = new TheoryData<Actor, Act>();
        foreach (var actor in Enum.GetValues<Actor>())
        {
            foreach (var act in Enum.GetValues<Act>())
            {
                data.Add(actor, act);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Each_role_may_do_exactly_what_the_permission_matrix_says(Actor actor, Act act)
    {
        var world = await fixture.WorldAsync();
        var (caller, organizationId, state, roles) = actor switch
        {
            Actor.Owner => (world.Owner, world.Customer.Id, UserState.Active, MemberRoles.Owner),
            Actor.Admin => (await fixture.Members.AddAsync(world.Customer.Id, MemberRoles.Admin), world.Customer.Id, UserState.Active, MemberRoles.Admin),
            Actor.Auditor => (await fixture.Members.AddAsync(world.Customer.Id, MemberRoles.Auditor), world.Customer.Id, UserState.Active, MemberRoles.Auditor),
            Actor.ResellerOnly => await ChannelMemberAsync(world.Reseller.Id, ChannelRoles.Reseller),
            Actor.DistributorOnly => await ChannelMemberAsync(world.Distributor.Id, ChannelRoles.Distributor),
            _ => (await fixture.Members.AddAsync(world.Customer.Id, MemberRoles.Owner, UserState.ActiveDemo), world.Customer.Id, UserState.ActiveDemo, MemberRoles.Owner),
        };
        var token = await fixture.TokenAsync(world.Owner, world.Customer.Id);
        using var browser = await fixture.SignedInAsync(caller);
        var before = (Customer: await fixture.SnapshotAsync(world.Customer.Id), Own: await fixture.SnapshotAsync(organizationId));

        using var response = await PerformAsync(browser, act, world, token.Token.Id);

        var allowed = Needs(act).Any(permission => PermissionMatrix.Allows(state, roles, permission));
        var after = (Customer: await fixture.SnapshotAsync(world.Customer.Id), Own: await fixture.SnapshotAsync(organizationId));
        if (allowed)
        {
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect,
                $"{actor} {act}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (Changes(act))
            {
                Assert.NotEqual(before, after);
            }
        }
        else
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("id=\"refusal\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(before, after);
        }
    }

    [Fact]
    public async Task Posts_without_the_anti_forgery_token_are_refused_and_change_nothing()
    {
        var world = await fixture.WorldAsync();
        var token = await fixture.TokenAsync(world.Owner, world.Customer.Id);
        using var browser = await fixture.SignedInAsync(world.Owner);
        var before = await fixture.SnapshotAsync(world.Customer.Id);
        var line = world.Order.Lines[0].Id;
        var items = new KeyValuePair<string, string>[] { new($"Quantity[{line}]", "2") };

        foreach (var (path, fields) in new (string, IEnumerable<KeyValuePair<string, string>>)[]
        {
            ("/organization/api-tokens?handler=Generate", [new("Name", "Forged"), new("ExpiresOn", "")]),
            ("/organization/api-tokens?handler=Revoke", [new("TokenId", token.Token.Id.ToString())]),
            ($"/shipments/new?purchaseOrderId={world.Order.Id}", [.. Recipients.Form(), .. items]),
            ($"/shipments/{world.Shipment.Id}/edit", [.. Recipients.Form(), .. items]),
            ($"/shipments/{world.Shipment.Id}?handler=Cancel", []),
        })
        {
            using var response = await browser.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(fields));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode}");
        }

        Assert.Equal(before, await fixture.SnapshotAsync(world.Customer.Id));
    }

    [Fact]
    public async Task Another_organizations_orders_and_shipments_are_404_and_change_nothing()
    {
        var mine = await fixture.WorldAsync();
        var theirs = await fixture.WorldAsync();
        var token = await fixture.TokenAsync(theirs.Owner, theirs.Customer.Id);
        using var browser = await fixture.SignedInAsync(mine.Owner);
        var before = await fixture.SnapshotAsync(theirs.Customer.Id);

        foreach (var act in new[] { Act.ViewPurchaseOrder, Act.ViewShipment, Act.ViewNewShipment, Act.CreateShipment, Act.ViewEditShipment, Act.EditShipment, Act.CancelShipment })
        {
            using var response = await PerformAsync(browser, act, theirs, Guid.Empty);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{act}: {(int)response.StatusCode}");
        }

        // Another organization's token is not this one's to revoke.
        using var revoke = await PerformAsync(browser, Act.RevokeApiToken, theirs, token.Token.Id);
        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        Assert.Contains(token.Token.PublicId, await fixture.SnapshotAsync(theirs.Customer.Id), StringComparison.Ordinal);

        var list = await browser.GetStringAsync(new Uri("/shipments", UriKind.Relative));
        Assert.DoesNotContain(theirs.Shipment.Id.ToString(), list, StringComparison.Ordinal);
        var orders = await browser.GetStringAsync(new Uri("/purchase-orders", UriKind.Relative));
        Assert.DoesNotContain(theirs.Order.Number, orders, StringComparison.Ordinal);
        Assert.Contains(mine.Order.Number, orders, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.SnapshotAsync(theirs.Customer.Id));
    }

    private async Task<(Core.Users.User, Guid, UserState, MemberRoles)> ChannelMemberAsync(Guid organizationId, ChannelRoles channel)
    {
        var roles = new MemberRoles(null, channel);
        return (await fixture.Members.AddAsync(organizationId, roles), organizationId, UserState.Active, roles);
    }

    internal static Task<HttpResponseMessage> PerformAsync(HttpClient browser, Act act, DeliveryWorld world, Guid tokenId)
    {
        var order = world.Order;
        var shipment = world.Shipment.Id;
        var quantity = new KeyValuePair<string, string>($"Quantity[{order.Lines[0].Id}]", "2");
        return act switch
        {
            Act.ViewApiTokens => browser.GetAsync(new Uri("/organization/api-tokens", UriKind.Relative)),
            Act.GenerateApiToken => DeliveryFixture.PostAsync(browser, "/organization/api-tokens?handler=Generate", [new("Name", "Matrix"), new("ExpiresOn", "")]),
            Act.RevokeApiToken => DeliveryFixture.PostAsync(browser, "/organization/api-tokens?handler=Revoke", [new("TokenId", tokenId.ToString())]),
            Act.ViewPurchaseOrders => browser.GetAsync(new Uri("/purchase-orders", UriKind.Relative)),
            Act.ViewPurchaseOrder => browser.GetAsync(new Uri($"/purchase-orders/{order.Id}", UriKind.Relative)),
            Act.ViewShipments => browser.GetAsync(new Uri("/shipments", UriKind.Relative)),
            Act.ViewShipment => browser.GetAsync(new Uri($"/shipments/{shipment}", UriKind.Relative)),
            Act.ViewNewShipment => browser.GetAsync(new Uri($"/shipments/new?purchaseOrderId={order.Id}", UriKind.Relative)),
            Act.CreateShipment => DeliveryFixture.PostAsync(browser, $"/shipments/new?purchaseOrderId={order.Id}", [.. Recipients.Form(overrideReason: Reason), quantity]),
            Act.ViewEditShipment => browser.GetAsync(new Uri($"/shipments/{shipment}/edit", UriKind.Relative)),
            // The recipient changes, the items stay (their change is ShipmentPageTests' concern).
            Act.EditShipment => DeliveryFixture.PostAsync(browser, $"/shipments/{shipment}/edit",
                [.. Recipients.Form(overrideReason: Reason), new($"Quantity[{order.Lines[0].Id}]", "5")]),
            Act.CancelShipment => DeliveryFixture.PostAsync(browser, $"/shipments/{shipment}?handler=Cancel"),
            _ => browser.GetAsync(new Uri("/shipments/export.csv", UriKind.Relative)),
        };
    }
}
