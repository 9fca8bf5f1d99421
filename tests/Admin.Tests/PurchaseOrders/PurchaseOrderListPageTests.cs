using System.Net;
using System.Text.RegularExpressions;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;

namespace KeyPortal.Admin.Tests.PurchaseOrders;

/// <summary>Operators list every purchase order, by organization, a page at a time; the console refuses anyone else.</summary>
[Collection(AdminApp.Collection)]
public sealed partial class PurchaseOrderListPageTests(RelyingPartyAppFactory<Program> factory)
{
    private readonly ConsoleDeliveries _deliveries = new(factory);

    [Fact]
    public async Task An_operator_finds_the_list_from_home_and_sees_each_order_with_its_organizations_and_progress()
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var customer = await _deliveries.OrganizationAsync(name: "Contoso Keys");
            var reseller = await _deliveries.OrganizationAsync(OrganizationKind.Reseller, "Northwind Channel");
            var order = await _deliveries.OrderAsync(customer.Id, reseller: reseller.Id);
            var shipment = await _deliveries.ShipmentAsync(order, quantity: 5);
            await _deliveries.MoveAsync(shipment.Id, ShipmentState.InProgress, ShipmentState.Shipped);

            Assert.Contains("href=\"/purchase-orders\"", await browser.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
            var list = await browser.GetStringAsync(new Uri($"/purchase-orders?organizationId={customer.Id}", UriKind.Relative));

            var row = RowOf(list, order.Number);
            Assert.Contains("Contoso Keys", row, StringComparison.Ordinal);
            Assert.Contains("Northwind Channel", row, StringComparison.Ordinal);
            Assert.Contains($"href=\"/purchase-orders/{order.Id}\"", row, StringComparison.Ordinal);
            Assert.Contains("5 of 35 keys shipped", row, StringComparison.Ordinal);
            Assert.Contains("YubiKey 5 NFC</strong>: 25 ordered, 5 shipped, 20 remaining", row, StringComparison.Ordinal);
            Assert.Contains("href=\"/purchase-orders/new\"", list, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_organization_filter_keeps_the_orders_naming_it_in_any_role()
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var customer = await _deliveries.OrganizationAsync();
            var other = await _deliveries.OrganizationAsync();
            var distributor = await _deliveries.OrganizationAsync(OrganizationKind.Distributor);
            var own = await _deliveries.OrderAsync(customer.Id);
            var distributed = await _deliveries.OrderAsync(other.Id, distributor: distributor.Id);

            var customers = await browser.GetStringAsync(new Uri($"/purchase-orders?organizationId={customer.Id}", UriKind.Relative));
            var distributors = await browser.GetStringAsync(new Uri($"/purchase-orders?organizationId={distributor.Id}", UriKind.Relative));

            Assert.Contains($"data-number=\"{own.Number}\"", customers, StringComparison.Ordinal);
            Assert.DoesNotContain($"data-number=\"{distributed.Number}\"", customers, StringComparison.Ordinal);
            Assert.Contains($"data-number=\"{distributed.Number}\"", distributors, StringComparison.Ordinal);
            Assert.DoesNotContain($"data-number=\"{own.Number}\"", distributors, StringComparison.Ordinal);
            Assert.Contains($"<option value=\"{distributor.Id}\" selected=\"selected\">", distributors, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Pages_follow_each_other_by_cursor_newest_first()
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var customer = await _deliveries.OrganizationAsync();
            var numbers = new List<string>();
            for (var i = 0; i < Cursor.DefaultLimit + 1; i++)
            {
                numbers.Add((await _deliveries.OrderAsync(customer.Id)).Number);
            }

            var first = await browser.GetStringAsync(new Uri($"/purchase-orders?organizationId={customer.Id}", UriKind.Relative));
            var next = WebUtility.HtmlDecode(NextPagePattern().Match(first).Groups[1].Value);
            var second = await browser.GetStringAsync(new Uri(next, UriKind.Relative));

            Assert.Equal(Cursor.DefaultLimit, CountRows(first));
            Assert.DoesNotContain($"data-number=\"{numbers[0]}\"", first, StringComparison.Ordinal);
            Assert.Contains($"data-number=\"{numbers[^1]}\"", first, StringComparison.Ordinal);
            Assert.Equal(1, CountRows(second));
            Assert.Contains($"data-number=\"{numbers[0]}\"", second, StringComparison.Ordinal);
            Assert.Contains("id=\"first-page\"", second, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"next-page\"", second, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_cursor_that_is_not_ours_is_a_400_with_the_first_pages_link()
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            using var response = await browser.GetAsync(new Uri("/purchase-orders?cursor=not-a-cursor!", UriKind.Relative));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("id=\"orders-error\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_portal_member_is_refused_the_list_and_sees_no_order()
    {
        var customer = await _deliveries.OrganizationAsync();
        var order = await _deliveries.OrderAsync(customer.Id);
        var owner = await Members.In(factory.Services).AddAsync(customer.Id, MemberRoles.Owner);
        var session = await new SignedInUsers(factory.Services).StartSessionAsync(owner);
        using var browser = factory.CreateBrowser();

        using var callback = await factory.SignInAsync(browser, SignedInUsers.ClaimsOf(owner, session), "/purchase-orders");

        Assert.Equal(KeyPortal.Hosting.RelyingPartyPaths.AccessDenied, callback.Headers.Location!.OriginalString);
        using var page = await browser.GetAsync(new Uri("/purchase-orders", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("http://localhost:5000/connect/authorize?", page.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.DoesNotContain(order.Number, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static int CountRows(string html) => OrderRowPattern().Count(html);

    [GeneratedRegex("href=\"([^\"]+)\" id=\"next-page\"")]
    private static partial Regex NextPagePattern();

    [GeneratedRegex("data-testid=\"order-row\"")]
    private static partial Regex OrderRowPattern();

    private static string RowOf(string html, string number)
    {
        var start = html.IndexOf($"data-number=\"{number}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"No row for {number}");
        return html[start..html.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }
}
