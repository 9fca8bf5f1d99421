using System.Net;
using System.Text.RegularExpressions;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.Portal.Tests.Delivery;

/// <summary>
/// Purchase orders as customers and channel partners read them: a reseller's or distributor's
/// page never holds a recipient's personal data (SPEC: only the end customer sees it), a member
/// of a customer that is also a reseller sees both kinds of order, and the list filters and pages.
/// </summary>
[Collection(DeliveryFixture.Collection)]
public sealed partial class PurchaseOrderPageTests(DeliveryFixture fixture)
{
    [Fact]
    public async Task Channel_partners_see_the_orders_naming_them_and_no_recipients_personal_data()
    {
        var world = await fixture.WorldAsync();
        var another = new ShippingAddress("Ottoline Brackenbury", "o.brackenbury@example.com", "+46 31 555 0142", "4 Quillfeather Row", "Göteborg", null, "411 01", "SE");
        await fixture.ShipmentAsync(world.Owner, world.Customer.Id, world.Order, another);
        var reseller = await fixture.Members.AddAsync(world.Reseller.Id, new MemberRoles(null, ChannelRoles.Reseller));
        var distributor = await fixture.Members.AddAsync(world.Distributor.Id, new MemberRoles(null, ChannelRoles.Distributor));
        // The values as stored (the address checks may have normalized them), besides those entered.
        var stored = await fixture.WithDbAsync(db => db.ShipmentRequests.AsNoTracking()
            .Where(s => s.OrganizationId == world.Customer.Id)
            .Select(s => new[] { s.RecipientName, s.Email, s.Phone, s.Street }).ToListAsync());
        var personal = stored.SelectMany(v => v)
            .Concat(Recipients.DistinctiveValuesOf(Recipients.Seeded)).Concat(Recipients.DistinctiveValuesOf(another))
            .Distinct().ToList();

        foreach (var partner in new[] { reseller, distributor })
        {
            using var browser = await fixture.SignedInAsync(partner);
            var list = await browser.GetStringAsync(new Uri("/purchase-orders", UriKind.Relative));
            var detail = await browser.GetStringAsync(new Uri($"/purchase-orders/{world.Order.Id}", UriKind.Relative));

            Assert.Contains($"data-number=\"{world.Order.Number}\"", list, StringComparison.Ordinal);
            Assert.Contains(world.Customer.Name, list, StringComparison.Ordinal);
            Assert.Contains("id=\"order-lines\"", detail, StringComparison.Ordinal);
            // Progress is counts only: 2 requests, 6 keys requested of the first line.
            Assert.Contains("2 requested", detail, StringComparison.Ordinal);
            Assert.Matches(RequestedCell(6), detail);
            foreach (var page in new[] { list, detail })
            {
                foreach (var value in personal)
                {
                    Assert.DoesNotContain(value, WebUtility.HtmlDecode(page), StringComparison.OrdinalIgnoreCase);
                    Assert.DoesNotContain(WebUtility.HtmlEncode(value), page, StringComparison.OrdinalIgnoreCase);
                }
            }

            Assert.DoesNotContain("/shipments/", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"create-shipment\"", detail, StringComparison.Ordinal);
        }

        // The customer's own members do see the recipients (so the search above looks for what is there).
        using var customer = await fixture.SignedInAsync(world.Owner);
        var own = WebUtility.HtmlDecode(await customer.GetStringAsync(new Uri($"/purchase-orders/{world.Order.Id}", UriKind.Relative)));
        Assert.Contains(stored[0][0], own, StringComparison.Ordinal);
        Assert.Contains("id=\"create-shipment\"", own, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_of_a_customer_that_is_also_a_reseller_sees_both_but_recipients_only_of_its_own_orders()
    {
        var world = await fixture.WorldAsync();
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var both = await fixture.OrganizationAsync($"Both {suffix}", $"both-{suffix}", OrganizationKind.Customer | OrganizationKind.Reseller);
        var member = await fixture.Members.AddAsync(both.Id, new MemberRoles(OrganizationRole.Admin, ChannelRoles.Reseller));
        var ownOrder = await fixture.OrderAsync($"OWN-{suffix}", both.Id);
        var own = await fixture.ShipmentAsync(member, both.Id, ownOrder, Recipients.Seeded with { RecipientName = "Perpetua Onslow-Vance" });
        // An order of another customer naming this organization as its reseller.
        var sold = await fixture.OrderAsync($"SOLD-{suffix}", world.Customer.Id, both.Id);
        await fixture.ShipmentAsync(world.Owner, world.Customer.Id, sold, Recipients.Seeded);
        using var browser = await fixture.SignedInAsync(member);

        var list = await browser.GetStringAsync(new Uri("/purchase-orders", UriKind.Relative));
        Assert.Contains($"data-number=\"{ownOrder.Number}\"", list, StringComparison.Ordinal);
        Assert.Contains($"data-number=\"{sold.Number}\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain($"data-number=\"{world.Order.Number}\"", list, StringComparison.Ordinal);

        var ownPage = await browser.GetStringAsync(new Uri($"/purchase-orders/{ownOrder.Id}", UriKind.Relative));
        Assert.Contains($"/shipments/{own.Id}", ownPage, StringComparison.Ordinal);
        Assert.Contains("Perpetua Onslow-Vance", ownPage, StringComparison.Ordinal);
        var soldPage = WebUtility.HtmlDecode(await browser.GetStringAsync(new Uri($"/purchase-orders/{sold.Id}", UriKind.Relative)));
        Assert.Contains("1 requested", soldPage, StringComparison.Ordinal);
        foreach (var value in Recipients.DistinctiveValuesOf(Recipients.Seeded))
        {
            Assert.DoesNotContain(value, soldPage, StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain("id=\"create-shipment\"", soldPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_list_filters_by_number_prefix_and_pages_with_a_cursor_without_repeating_or_skipping()
    {
        var world = await fixture.WorldAsync();
        var prefix = $"P{Guid.NewGuid():N}"[..9].ToUpperInvariant();
        var numbers = new List<string>();
        for (var i = 0; i < Cursor.DefaultLimit + 3; i++)
        {
            numbers.Add((await fixture.OrderAsync($"{prefix}-{i:000}", world.Customer.Id)).Number);
        }

        using var browser = await fixture.SignedInAsync(world.Owner);
        var first = await browser.GetStringAsync(new Uri($"/purchase-orders?number={prefix}", UriKind.Relative));
        var firstRows = Numbers(first);
        Assert.Equal(Cursor.DefaultLimit, firstRows.Count);
        var next = NextPage().Match(first);
        Assert.True(next.Success, "a next page link");
        var second = await browser.GetStringAsync(new Uri(WebUtility.HtmlDecode(next.Groups[1].Value), UriKind.Relative));
        var secondRows = Numbers(second);
        Assert.Equal(3, secondRows.Count);
        Assert.DoesNotMatch(NextPage(), second);
        Assert.Contains("id=\"first-page\"", second, StringComparison.Ordinal);
        Assert.Equal(numbers.Order(StringComparer.Ordinal), firstRows.Concat(secondRows).Order(StringComparer.Ordinal));

        // The world's own order has another number: not in the filtered list, in the whole one.
        Assert.DoesNotContain(world.Order.Number, firstRows.Concat(secondRows));
        var all = await browser.GetStringAsync(new Uri("/purchase-orders", UriKind.Relative));
        Assert.Equal(Cursor.DefaultLimit, Numbers(all).Count);

        using var nonsense = await browser.GetAsync(new Uri("/purchase-orders?cursor=not-a-cursor", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, nonsense.StatusCode);
        Assert.Contains("id=\"orders-error\"", await nonsense.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_home_page_links_purchase_orders_and_shipments_for_those_who_may_see_them()
    {
        var world = await fixture.WorldAsync();
        var reseller = await fixture.Members.AddAsync(world.Reseller.Id, new MemberRoles(null, ChannelRoles.Reseller));
        using var owner = await fixture.SignedInAsync(world.Owner);
        using var partner = await fixture.SignedInAsync(reseller);

        var ownerHome = await owner.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("data-testid=\"home-purchase-orders\"", ownerHome, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"home-shipments\"", ownerHome, StringComparison.Ordinal);
        var partnerHome = await partner.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("data-testid=\"home-purchase-orders\"", partnerHome, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"home-shipments\"", partnerHome, StringComparison.Ordinal);
    }

    private static List<string> Numbers(string page) => [.. OrderRow().Matches(page).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value))];

    private static Regex RequestedCell(int quantity) => new($"data-testid=\"requested\">{quantity}<", RegexOptions.CultureInvariant);

    [GeneratedRegex("data-testid=\"order-row\" data-number=\"([^\"]+)\"")]
    private static partial Regex OrderRow();

    [GeneratedRegex("href=\"([^\"]+)\" id=\"next-page\"")]
    private static partial Regex NextPage();
}
