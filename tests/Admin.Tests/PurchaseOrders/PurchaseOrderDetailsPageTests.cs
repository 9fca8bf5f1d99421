using System.Net;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Memberships;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;

namespace KeyPortal.Admin.Tests.PurchaseOrders;

/// <summary>
/// One purchase order in the console: its progress, and its shipment requests with their
/// recipients, which operators start, mark shipped or cancel; refused moves change nothing.
/// </summary>
[Collection(AdminApp.Collection)]
public sealed class PurchaseOrderDetailsPageTests(RelyingPartyAppFactory<Program> factory)
{
    private readonly ConsoleDeliveries _deliveries = new(factory);

    private static string PathOf(PurchaseOrder order) => $"/purchase-orders/{order.Id}";

    /// <summary>Posts a move as the page's forms do (with its anti-forgery token).</summary>
    private static Task<HttpResponseMessage> MoveAsync(HttpClient browser, PurchaseOrder order, Guid shipmentId, string to) =>
        ConsoleDeliveries.PostFormAsync(browser, PathOf(order), $"{PathOf(order)}?handler=Move",
            [new("ShipmentId", shipmentId.ToString()), new("To", to)]);

    [Fact]
    public async Task An_operator_sees_the_lines_progress_and_each_request_with_its_recipient_and_the_moves_it_allows()
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var order = await _deliveries.OrderAsync((await _deliveries.OrganizationAsync()).Id);
            var requested = await _deliveries.ShipmentAsync(order, 2);
            var inProgress = await _deliveries.ShipmentAsync(order, 3, ConsoleDeliveries.Recipient with { RecipientName = "Bo Ek" });
            var shipped = await _deliveries.ShipmentAsync(order, 4, ConsoleDeliveries.Recipient with { RecipientName = "Cai Yu" });
            await _deliveries.MoveAsync(inProgress.Id, ShipmentState.InProgress);
            await _deliveries.MoveAsync(shipped.Id, ShipmentState.InProgress, ShipmentState.Shipped);

            var page = await browser.GetStringAsync(new Uri(PathOf(order), UriKind.Relative));

            var line = RowOf(page, "data-product=\"YubiKey 5 NFC\"");
            Assert.Contains("data-testid=\"requested\">5<", line, StringComparison.Ordinal);
            Assert.Contains("data-testid=\"shipped\">4<", line, StringComparison.Ordinal);
            Assert.Contains("data-testid=\"remaining\">16<", line, StringComparison.Ordinal);
            var first = RowOf(page, $"data-id=\"{requested.Id}\"");
            Assert.Contains("Astrid Lind", first, StringComparison.Ordinal);
            Assert.Contains("Drottninggatan 1", first, StringComparison.Ordinal);
            Assert.Contains("111 51 Stockholm", first, StringComparison.Ordinal);
            Assert.Contains("2 × YubiKey 5 NFC", first, StringComparison.Ordinal);
            Assert.Contains("Start fulfilment", first, StringComparison.Ordinal);
            Assert.Contains("Cancel", first, StringComparison.Ordinal);
            Assert.DoesNotContain("Mark shipped", first, StringComparison.Ordinal);
            var second = RowOf(page, $"data-id=\"{inProgress.Id}\"");
            Assert.Contains("Bo Ek", second, StringComparison.Ordinal);
            Assert.Contains("Mark shipped", second, StringComparison.Ordinal);
            Assert.DoesNotContain("Start fulfilment", second, StringComparison.Ordinal);
            var third = RowOf(page, $"data-id=\"{shipped.Id}\"");
            Assert.Contains("Cai Yu", third, StringComparison.Ordinal);
            Assert.DoesNotContain("<button", third, StringComparison.Ordinal);
            Assert.DoesNotContain("Cancel", third, StringComparison.Ordinal);

            var onlyRequested = await browser.GetStringAsync(new Uri($"{PathOf(order)}?state=Requested", UriKind.Relative));
            Assert.Contains($"data-id=\"{requested.Id}\"", onlyRequested, StringComparison.Ordinal);
            Assert.DoesNotContain($"data-id=\"{shipped.Id}\"", onlyRequested, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Start_fulfilment_then_mark_shipped_move_the_request_and_are_audited_with_the_operator()
    {
        var (browser, operatorUser) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var order = await _deliveries.OrderAsync((await _deliveries.OrganizationAsync()).Id);
            var shipment = await _deliveries.ShipmentAsync(order, 5);

            using var started = await MoveAsync(browser, order, shipment.Id, "InProgress");
            Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
            Assert.Equal(ShipmentState.InProgress, await _deliveries.StateOfAsync(shipment.Id));
            var landing = started.Headers.Location!.OriginalString;
            Assert.StartsWith($"{PathOf(order)}?done=InProgress&shipment={shipment.Id}", landing, StringComparison.Ordinal);
            var after = await browser.GetStringAsync(new Uri(landing, UriKind.Relative));
            Assert.Contains("id=\"done\"", after, StringComparison.Ordinal);
            Assert.Contains("Mark shipped", RowOf(after, $"data-id=\"{shipment.Id}\""), StringComparison.Ordinal);

            using var shipped = await MoveAsync(browser, order, shipment.Id, "Shipped");
            Assert.Equal(HttpStatusCode.Redirect, shipped.StatusCode);
            Assert.Equal(ShipmentState.Shipped, await _deliveries.StateOfAsync(shipment.Id));
            var page = await browser.GetStringAsync(new Uri(PathOf(order), UriKind.Relative));
            Assert.Contains("data-testid=\"shipped\">5<", RowOf(page, "data-product=\"YubiKey 5 NFC\""), StringComparison.Ordinal);

            var moves = await _deliveries.AuditAsync(order.CustomerOrganizationId, AuditActions.ShipmentStateChanged);
            Assert.Equal(2, moves.Count);
            Assert.All(moves, m => Assert.Equal(operatorUser.Id, m.ActorUserId));
        }
    }

    [Fact]
    public async Task Cancel_asks_for_confirmation_first_and_frees_the_quantity()
    {
        var (browser, operatorUser) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var order = await _deliveries.OrderAsync((await _deliveries.OrganizationAsync()).Id);
            var shipment = await _deliveries.ShipmentAsync(order, 25);

            var list = await browser.GetStringAsync(new Uri(PathOf(order), UriKind.Relative));
            Assert.DoesNotContain("id=\"confirm-cancel\"", list, StringComparison.Ordinal);
            Assert.Contains($"href=\"{PathOf(order)}?confirm={shipment.Id}#confirm-cancel\"", list, StringComparison.Ordinal);
            var confirm = await browser.GetStringAsync(new Uri($"{PathOf(order)}?confirm={shipment.Id}", UriKind.Relative));
            Assert.Contains("id=\"confirm-cancel\"", confirm, StringComparison.Ordinal);
            Assert.Contains("Astrid Lind", confirm, StringComparison.Ordinal);
            Assert.Equal(ShipmentState.Requested, await _deliveries.StateOfAsync(shipment.Id));

            using var cancelled = await MoveAsync(browser, order, shipment.Id, "Cancelled");

            Assert.Equal(HttpStatusCode.Redirect, cancelled.StatusCode);
            Assert.Equal(ShipmentState.Cancelled, await _deliveries.StateOfAsync(shipment.Id));
            var page = await browser.GetStringAsync(new Uri(cancelled.Headers.Location!.OriginalString, UriKind.Relative));
            Assert.Contains("data-testid=\"remaining\">25<", RowOf(page, "data-product=\"YubiKey 5 NFC\""), StringComparison.Ordinal);
            Assert.Equal(operatorUser.Id, Assert.Single(await _deliveries.AuditAsync(order.CustomerOrganizationId, AuditActions.ShipmentStateChanged)).ActorUserId);
        }
    }

    [Theory]
    [InlineData("Requested")]
    [InlineData("InProgress")]
    [InlineData("Cancelled")]
    [InlineData("Shipped")]
    public async Task A_move_the_state_machine_refuses_is_a_409_shown_on_the_page_and_changes_nothing(string to)
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var order = await _deliveries.OrderAsync((await _deliveries.OrganizationAsync()).Id);
            var shipment = await _deliveries.ShipmentAsync(order, 1);
            await _deliveries.MoveAsync(shipment.Id, ShipmentState.InProgress, ShipmentState.Shipped);
            var before = await _deliveries.CountsAsync();

            using var response = await MoveAsync(browser, order, shipment.Id, to);

            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Contains("id=\"order-error\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(ShipmentState.Shipped, await _deliveries.StateOfAsync(shipment.Id));
            Assert.Equal(before, await _deliveries.CountsAsync());
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("Lost")]
    [InlineData("7")]
    public async Task A_move_to_no_known_state_is_a_400_and_changes_nothing(string to)
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var order = await _deliveries.OrderAsync((await _deliveries.OrganizationAsync()).Id);
            var shipment = await _deliveries.ShipmentAsync(order, 1);
            var before = await _deliveries.CountsAsync();

            using var response = await MoveAsync(browser, order, shipment.Id, to);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(ShipmentState.Requested, await _deliveries.StateOfAsync(shipment.Id));
            Assert.Equal(before, await _deliveries.CountsAsync());
        }
    }

    [Fact]
    public async Task A_shipment_of_another_order_is_not_found_on_this_one_and_stays_as_it_was()
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var customer = await _deliveries.OrganizationAsync();
            var order = await _deliveries.OrderAsync(customer.Id);
            var other = await _deliveries.OrderAsync(customer.Id);
            var shipment = await _deliveries.ShipmentAsync(other, 1);

            using var response = await MoveAsync(browser, order, shipment.Id, "InProgress");

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("id=\"order-error\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(ShipmentState.Requested, await _deliveries.StateOfAsync(shipment.Id));
        }
    }

    [Fact]
    public async Task An_unknown_order_is_a_404()
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var known = await _deliveries.OrderAsync((await _deliveries.OrganizationAsync()).Id);
            var unknown = $"/purchase-orders/{Guid.NewGuid()}";

            using var page = await browser.GetAsync(new Uri(unknown, UriKind.Relative));
            using var post = await ConsoleDeliveries.PostFormAsync(browser, PathOf(known), $"{unknown}?handler=Move",
                [new("ShipmentId", Guid.NewGuid().ToString()), new("To", "InProgress")]);

            Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        }
    }

    [Fact]
    public async Task Without_the_anti_forgery_token_nothing_moves()
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var order = await _deliveries.OrderAsync((await _deliveries.OrganizationAsync()).Id);
            var shipment = await _deliveries.ShipmentAsync(order, 1);

            using var response = await browser.PostAsync(new Uri($"{PathOf(order)}?handler=Move", UriKind.Relative), new FormUrlEncodedContent(
                [new KeyValuePair<string, string>("ShipmentId", shipment.Id.ToString()), new("To", "InProgress")]));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(ShipmentState.Requested, await _deliveries.StateOfAsync(shipment.Id));
        }
    }

    [Fact]
    public async Task A_portal_member_sees_no_recipient_and_moves_nothing()
    {
        var customer = await _deliveries.OrganizationAsync();
        var order = await _deliveries.OrderAsync(customer.Id);
        var shipment = await _deliveries.ShipmentAsync(order, 1);
        var owner = await Members.In(factory.Services).AddAsync(customer.Id, MemberRoles.Owner);
        var session = await new SignedInUsers(factory.Services).StartSessionAsync(owner);
        using var browser = factory.CreateBrowser();
        using (var callback = await factory.SignInAsync(browser, SignedInUsers.ClaimsOf(owner, session), PathOf(order)))
        {
            Assert.Equal(KeyPortal.Hosting.RelyingPartyPaths.AccessDenied, callback.Headers.Location!.OriginalString);
        }

        using var page = await browser.GetAsync(new Uri(PathOf(order), UriKind.Relative));
        using var post = await browser.PostAsync(new Uri($"{PathOf(order)}?handler=Move", UriKind.Relative), new FormUrlEncodedContent(
            [new KeyValuePair<string, string>("ShipmentId", shipment.Id.ToString()), new("To", "InProgress")]));

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.DoesNotContain("Astrid Lind", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        Assert.StartsWith("http://localhost:5000/connect/authorize?", post.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal(ShipmentState.Requested, await _deliveries.StateOfAsync(shipment.Id));
    }

    private static string RowOf(string html, string marker)
    {
        var start = html.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"No row with {marker}");
        // Decoded, so "×" reads as written whatever the encoder made of it.
        return WebUtility.HtmlDecode(html[start..html.IndexOf("</tr>", start, StringComparison.Ordinal)]);
    }
}
