using System.Net;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Tests.PurchaseOrders;

/// <summary>Operators enter a purchase order in a form; every refusal is shown at its field and writes nothing.</summary>
[Collection(AdminApp.Collection)]
public sealed class NewPurchaseOrderPageTests(RelyingPartyAppFactory<Program> factory)
{
    private const string PagePath = "/purchase-orders/new";

    private const int NewRows = KeyPortal.Admin.Pages.PurchaseOrders.NewModel.RowsAtATime;

    private readonly ConsoleDeliveries _deliveries = new(factory);

    /// <summary>The form's fields for an order of <paramref name="customer"/>, with rows as (product, quantity).</summary>
    private static List<KeyValuePair<string, string>> Form(
        string number, Guid? customer, Guid? reseller = null, Guid? distributor = null, params (string Product, string Quantity)[] rows)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("Number", number),
            new("CustomerOrganizationId", customer?.ToString() ?? ""),
            new("ResellerOrganizationId", reseller?.ToString() ?? ""),
            new("DistributorOrganizationId", distributor?.ToString() ?? ""),
        };
        if (rows.Length == 0)
        {
            rows = [("YubiKey 5 NFC", "25"), ("YubiKey 5C NFC", "10")];
        }

        for (var i = 0; i < rows.Length; i++)
        {
            fields.Add(new($"Lines[{i}].Product", rows[i].Product));
            fields.Add(new($"Lines[{i}].Quantity", rows[i].Quantity));
        }

        return fields;
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient browser, IEnumerable<KeyValuePair<string, string>> fields, string action = PagePath) =>
        ConsoleDeliveries.PostFormAsync(browser, PagePath, action, fields);

    [Fact]
    public async Task The_form_offers_customers_resellers_and_distributors_each_from_organizations_of_that_kind()
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var customer = await _deliveries.OrganizationAsync();
            var reseller = await _deliveries.OrganizationAsync(OrganizationKind.Reseller);
            var distributor = await _deliveries.OrganizationAsync(OrganizationKind.Distributor);
            var both = await _deliveries.OrganizationAsync(OrganizationKind.Customer | OrganizationKind.Reseller);

            var page = await browser.GetStringAsync(new Uri(PagePath, UriKind.Relative));

            var customers = SelectOf(page, "customerOrganizationId");
            var resellers = SelectOf(page, "resellerOrganizationId");
            var distributors = SelectOf(page, "distributorOrganizationId");
            Assert.Contains(customer.Id.ToString(), customers, StringComparison.Ordinal);
            Assert.Contains(both.Id.ToString(), customers, StringComparison.Ordinal);
            Assert.DoesNotContain(reseller.Id.ToString(), customers, StringComparison.Ordinal);
            Assert.DoesNotContain(distributor.Id.ToString(), customers, StringComparison.Ordinal);
            Assert.Contains(reseller.Id.ToString(), resellers, StringComparison.Ordinal);
            Assert.Contains(both.Id.ToString(), resellers, StringComparison.Ordinal);
            Assert.DoesNotContain(customer.Id.ToString(), resellers, StringComparison.Ordinal);
            Assert.Contains(distributor.Id.ToString(), distributors, StringComparison.Ordinal);
            Assert.DoesNotContain(customer.Id.ToString(), distributors, StringComparison.Ordinal);
            Assert.Equal(NewRows, LineRows(page));
        }
    }

    [Fact]
    public async Task An_operator_creates_an_order_from_the_rows_filled_in_and_lands_on_it()
    {
        var (browser, operatorUser) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var customer = await _deliveries.OrganizationAsync();
            var reseller = await _deliveries.OrganizationAsync(OrganizationKind.Reseller);
            var number = ConsoleDeliveries.UniqueNumber();

            using var response = await PostAsync(browser, Form(number, customer.Id, reseller.Id, null,
                ("YubiKey 5 NFC", "25"), ("", ""), ("YubiKey 5C NFC", " 10 "), ("", "")));

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            var stored = await _deliveries.StoredOrderAsync(number);
            Assert.NotNull(stored);
            Assert.Equal($"/purchase-orders/{stored.Id}?done=created", response.Headers.Location!.OriginalString);
            Assert.Equal((customer.Id, (Guid?)reseller.Id, (Guid?)null), (stored.CustomerOrganizationId, stored.ResellerOrganizationId, stored.DistributorOrganizationId));
            Assert.Equal([(1, "YubiKey 5 NFC", 25), (2, "YubiKey 5C NFC", 10)], stored.Lines.OrderBy(l => l.Position).Select(l => (l.Position, l.Product, l.Quantity)));
            var audited = Assert.Single(await _deliveries.AuditAsync(customer.Id, AuditActions.PurchaseOrderCreated));
            Assert.Equal(operatorUser.Id, audited.ActorUserId);

            var landing = await browser.GetStringAsync(new Uri(response.Headers.Location.OriginalString, UriKind.Relative));
            Assert.Contains("id=\"done\"", landing, StringComparison.Ordinal);
            Assert.Contains(number, landing, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, string> BadInput => new()
    {
        // field whose error is shown, what is wrong
        { "number", "empty number" },
        { "number", "number with spaces" },
        { "lines", "no line" },
        { "lines-2-quantity", "quantity zero in the third row" },
        { "lines-2-quantity", "quantity not a number in the third row" },
        { "lines-0-product", "quantity without product" },
        { "customerOrganizationId", "no customer" },
        { "customerOrganizationId", "a reseller as customer" },
        { "resellerOrganizationId", "a customer as reseller" },
        { "distributorOrganizationId", "a reseller as distributor" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_is_shown_at_its_field_and_writes_nothing(string field, string flaw)
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var customer = await _deliveries.OrganizationAsync();
            var reseller = await _deliveries.OrganizationAsync(OrganizationKind.Reseller);
            var number = ConsoleDeliveries.UniqueNumber();
            var fields = flaw switch
            {
                "empty number" => Form("", customer.Id),
                "number with spaces" => Form("PO 1 2", customer.Id),
                "no line" => Form(number, customer.Id, null, null, ("", ""), ("", "")),
                // The second row is empty: Core's second line is the form's third row.
                "quantity zero in the third row" => Form(number, customer.Id, null, null, ("YubiKey 5 NFC", "5"), ("", ""), ("YubiKey 5C NFC", "0")),
                "quantity not a number in the third row" => Form(number, customer.Id, null, null, ("YubiKey 5 NFC", "5"), ("", ""), ("YubiKey 5C NFC", "ten")),
                "quantity without product" => Form(number, customer.Id, null, null, ("", "5")),
                "no customer" => Form(number, null),
                "a reseller as customer" => Form(number, reseller.Id),
                "a customer as reseller" => Form(number, customer.Id, reseller: customer.Id),
                _ => Form(number, customer.Id, distributor: reseller.Id),
            };
            var before = await _deliveries.CountsAsync();

            using var response = await PostAsync(browser, fields);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var page = await response.Content.ReadAsStringAsync();
            Assert.Contains("id=\"order-error\"", page, StringComparison.Ordinal);
            Assert.Contains($"id=\"{field}-error\"", page, StringComparison.Ordinal);
            Assert.Contains($"id=\"{field}\"", page, StringComparison.Ordinal);
            Assert.Equal(before, await _deliveries.CountsAsync());
            if (flaw.StartsWith("quantity", StringComparison.Ordinal) && flaw.EndsWith("third row", StringComparison.Ordinal))
            {
                // What was typed is shown back.
                Assert.Contains("value=\"YubiKey 5C NFC\"", page, StringComparison.Ordinal);
                Assert.Contains($"value=\"{(flaw.Contains("zero", StringComparison.Ordinal) ? "0" : "ten")}\"", page, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task A_number_already_used_is_refused_at_the_number_with_a_409()
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var customer = await _deliveries.OrganizationAsync();
            var existing = await _deliveries.OrderAsync(customer.Id);
            var before = await _deliveries.CountsAsync();

            using var response = await PostAsync(browser, Form(existing.Number, customer.Id));

            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Contains("id=\"number-error\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(before, await _deliveries.CountsAsync());
        }
    }

    [Fact]
    public async Task Add_rows_gives_more_empty_rows_keeps_what_was_typed_and_saves_nothing()
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var customer = await _deliveries.OrganizationAsync();
            var number = ConsoleDeliveries.UniqueNumber();
            var before = await _deliveries.CountsAsync();

            using var response = await PostAsync(browser, Form(number, customer.Id, null, null,
                ("YubiKey 5 NFC", "25"), ("", ""), ("", ""), ("", ""), ("", "")), $"{PagePath}?handler=AddRows");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadAsStringAsync();
            Assert.Equal(2 * NewRows, LineRows(page));
            Assert.Contains($"value=\"{number}\"", page, StringComparison.Ordinal);
            Assert.Contains("value=\"YubiKey 5 NFC\"", page, StringComparison.Ordinal);
            Assert.Contains($"<option value=\"{customer.Id}\" selected=\"selected\">", page, StringComparison.Ordinal);
            Assert.Equal(before, await _deliveries.CountsAsync());
        }
    }

    [Fact]
    public async Task Without_the_anti_forgery_token_nothing_is_created()
    {
        var (browser, _) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var customer = await _deliveries.OrganizationAsync();
            var number = ConsoleDeliveries.UniqueNumber();

            using var response = await browser.PostAsync(new Uri(PagePath, UriKind.Relative), new FormUrlEncodedContent(Form(number, customer.Id)));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Null(await _deliveries.StoredOrderAsync(number));
        }
    }

    [Fact]
    public async Task An_operator_who_is_no_longer_one_cannot_create_an_order()
    {
        var (browser, operatorUser) = await _deliveries.SignedInOperatorAsync();
        using (browser)
        {
            var customer = await _deliveries.OrganizationAsync();
            var number = ConsoleDeliveries.UniqueNumber();
            var form = await browser.GetStringAsync(new Uri(PagePath, UriKind.Relative));
            Assert.Contains("id=\"order-form\"", form, StringComparison.Ordinal);
            await using (var scope = factory.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
                (await db.Users.SingleAsync(u => u.Id == operatorUser.Id)).IsPlatformOperator = false;
                await db.SaveChangesAsync();
            }

            var before = await _deliveries.CountsAsync();
            using var response = await ConsoleDeliveries.PostFormWithTokenAsync(browser, ConsoleDeliveries.AntiforgeryTokenOf(form), PagePath, Form(number, customer.Id));

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("http://localhost:5000/connect/authorize?", response.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
            Assert.Null(await _deliveries.StoredOrderAsync(number));
            Assert.Equal(before, await _deliveries.CountsAsync());
        }
    }

    [Fact]
    public async Task A_portal_member_cannot_open_the_form_nor_post_it()
    {
        var customer = await _deliveries.OrganizationAsync();
        var owner = await Members.In(factory.Services).AddAsync(customer.Id, MemberRoles.Owner);
        var session = await new SignedInUsers(factory.Services).StartSessionAsync(owner);
        using var browser = factory.CreateBrowser();
        using (var callback = await factory.SignInAsync(browser, SignedInUsers.ClaimsOf(owner, session), PagePath))
        {
            Assert.Equal(KeyPortal.Hosting.RelyingPartyPaths.AccessDenied, callback.Headers.Location!.OriginalString);
        }

        var number = ConsoleDeliveries.UniqueNumber();
        using var page = await browser.GetAsync(new Uri(PagePath, UriKind.Relative));
        using var post = await browser.PostAsync(new Uri(PagePath, UriKind.Relative), new FormUrlEncodedContent(Form(number, customer.Id)));

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("http://localhost:5000/connect/authorize?", page.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        Assert.StartsWith("http://localhost:5000/connect/authorize?", post.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Null(await _deliveries.StoredOrderAsync(number));
    }

    private static int LineRows(string html) => html.Split("data-testid=\"line-row\"").Length - 1;

    private static string SelectOf(string html, string id)
    {
        var start = html.IndexOf($"<select id=\"{id}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"No select {id}");
        return html[start..html.IndexOf("</select>", start, StringComparison.Ordinal)];
    }
}
