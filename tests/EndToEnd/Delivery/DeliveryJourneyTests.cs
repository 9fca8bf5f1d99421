using System.Text.RegularExpressions;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.EndToEnd.Delivery;

/// <summary>
/// The delivery pages in a real browser: an Owner generates an API token and sees its secret once,
/// an Admin keeps an address that failed validation by giving a reason, and an Owner downloads the
/// shipments as CSV. Each test makes its own organization, people and purchase order.
/// </summary>
[Collection(KeyPortalApps.Collection)]
public sealed partial class DeliveryJourneyTests(KeyPortalApps apps)
{
    [Fact]
    public async Task An_owner_generates_an_api_token_sees_its_secret_once_and_after_a_reload_only_its_public_id()
    {
        var people = new People(apps);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var organization = await people.OrganizationAsync($"Fabrikam {suffix}");
        var owner = await people.PersonAsync($"owner.{suffix}@example.com", (organization, MemberRoles.Owner));

        await using var journey = await apps.StartJourneyAsync(nameof(An_owner_generates_an_api_token_sees_its_secret_once_and_after_a_reload_only_its_public_id));
        var page = journey.Page;
        await journey.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = apps.Portal.GetLeftPart(UriPartial.Authority) });
        await people.SignInAsync(page, owner);
        await page.GetByTestId("current-organization").ClickAsync();
        await page.GetByTestId("menu-api-tokens").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Manage API token");
        await Assertions.Expect(page.Locator("#no-tokens")).ToBeVisibleAsync();

        await page.Locator("#Name").FillAsync("Warehouse system");
        await page.Locator("#generate-token").ClickAsync();

        var secret = page.GetByTestId("token-secret");
        await Assertions.Expect(secret).ToHaveTextAsync(SecretPattern());
        await Assertions.Expect(page.Locator("#generated-token")).ToContainTextAsync("you will not see it again");
        var value = (await secret.TextContentAsync())!.Trim();
        var publicId = value[..value.IndexOf('.', StringComparison.Ordinal)];
        await page.Locator("#copy-token").ClickAsync();
        await Assertions.Expect(page.Locator("#copy-token")).ToHaveTextAsync("Copied");
        Assert.Equal(value, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await journey.ScreenshotAsync("token-shown-once");

        // The history holds a plain address now: a reload reads the list, it does not post again.
        await page.ReloadAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(Regex.Escape($"/organization/api-tokens?generatedId={publicId}") + "$"));
        await Assertions.Expect(page.GetByTestId("token-secret")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#generated-token-gone")).ToContainTextAsync(publicId);
        await Assertions.Expect(page.GetByTestId("token-row")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("token-public-id")).ToHaveTextAsync(publicId);
        Assert.DoesNotContain(value, await page.ContentAsync(), StringComparison.Ordinal);
        await Assertions.Expect(page.GetByTestId("token-created-by")).ToHaveTextAsync($"by {owner}");
        await journey.ScreenshotAsync("token-after-reload");
        // At 1280 px the list fits its card and the window.
        Assert.False(await Layout.WindowScrollsSidewaysAsync(page), "the window scrolls sideways");
        Assert.False(await Layout.OverflowsAsync(page.Locator(".table-scroll")), "the token list overflows its card");

        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        Assert.Equal(1, await db.ApiTokens.CountAsync(t => t.OrganizationId == organization.Id));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == AuditActions.ApiTokenGenerated && a.OrganizationId == organization.Id));
    }

    [Fact]
    public async Task An_admin_keeps_an_address_with_an_invalid_postal_code_by_giving_a_reason()
    {
        var people = new People(apps);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var organization = await people.OrganizationAsync($"Northwind {suffix}");
        var admin = await people.PersonAsync($"admin.{suffix}@example.com", (organization, MemberRoles.Admin));
        var order = await OrderAsync($"PO-{suffix}", organization);
        const string reason = "New building; the recipient confirmed the code by phone.";

        await using var journey = await apps.StartJourneyAsync(nameof(An_admin_keeps_an_address_with_an_invalid_postal_code_by_giving_a_reason));
        var page = journey.Page;
        await people.SignInAsync(page, admin);
        await page.GetByTestId("home-purchase-orders").ClickAsync();
        await Assertions.Expect(page.Locator($"tr[data-number='{order.Number}']")).ToContainTextAsync("20 ordered, 0 shipped, 20 remaining");
        await journey.ScreenshotAsync("purchase-orders");
        await page.Locator($"tr[data-number='{order.Number}'] a").ClickAsync();
        await Assertions.Expect(page.Locator("#order-number")).ToContainTextAsync(order.Number);
        await Assertions.Expect(page.Locator("#no-shipments")).ToBeVisibleAsync();
        await journey.ScreenshotAsync("purchase-order");
        await page.Locator("#create-shipment").ClickAsync();

        await page.Locator("#RecipientName").FillAsync("Ingrid Valdemarsdottir");
        await page.Locator("#Email").FillAsync("ingrid.v@example.org");
        await page.Locator("#Phone").FillAsync("+46 8 123 456 78");
        await page.Locator("#Street").FillAsync("Drottninggatan 1");
        await page.Locator("#City").FillAsync("Stockholm");
        await page.Locator("#PostalCode").FillAsync("ABCDE");
        await page.Locator("#Country").SelectOptionAsync("SE");
        await page.GetByLabel("YubiKey 5 NFC", new() { Exact = true }).FillAsync("3");
        await page.Locator("#save-shipment").ClickAsync();

        // The problem is shown at its field, which says so to assistive technology too.
        var error = page.Locator("[data-testid='field-error'][data-field='PostalCode']");
        await Assertions.Expect(error).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#PostalCode")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("#PostalCode")).ToHaveValueAsync("ABCDE");
        await Assertions.Expect(page.Locator("#override-explained")).ToBeVisibleAsync();
        await journey.ScreenshotAsync("postal-code-refused");

        await page.Locator("#OverrideValidation").CheckAsync();
        await page.Locator("#OverrideReason").FillAsync(reason);
        await journey.CheckAccessibilityAsync();
        await page.Locator("#save-shipment").ClickAsync();

        await page.WaitForURLAsync(new Regex("/shipments/[0-9a-f-]{36}\\?done=created$"));
        await Assertions.Expect(page.Locator("#done")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#override-reason")).ToHaveTextAsync(reason);
        await Assertions.Expect(page.Locator("#recipient-address")).ToContainTextAsync("ABCDE");
        await journey.ScreenshotAsync("shipment-saved-with-override");

        await using var scope = apps.CoreServices();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var shipment = await db.ShipmentRequests.AsNoTracking().SingleAsync(s => s.PurchaseOrderId == order.Id);
        Assert.Equal(("ABCDE", reason), (shipment.PostalCode, shipment.ValidationOverrideReason));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == AuditActions.AddressValidationOverridden && a.OrganizationId == organization.Id && a.Details.Contains(reason)));
    }

    [Fact]
    public async Task An_owner_downloads_the_shipments_as_csv()
    {
        var people = new People(apps);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var organization = await people.OrganizationAsync($"Contoso {suffix}");
        var owner = await people.PersonAsync($"owner.{suffix}@example.com", (organization, MemberRoles.Owner));
        var order = await OrderAsync($"PO-{suffix}", organization);
        await using (var setup = apps.CoreServices())
        {
            var db = setup.ServiceProvider.GetRequiredService<PortalDbContext>();
            var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == owner);
            foreach (var name in new[] { "Zebulon Quixote-Marsh", "=HYPERLINK(\"http://x\")" })
            {
                await setup.ServiceProvider.GetRequiredService<ShipmentService>().CreateAsync(AuditActor.ForUser(user, "127.0.0.1"), organization.Id,
                    new ShipmentInput(order.Id, new ShippingAddress(name, "zq.marsh@example.net", "+46 8 555 0199", "17 Vandergrift Lane", "Stockholm", null, "114 55", "SE"),
                        [new(order.Lines[0].Id, 2)], "Arranged by the test."));
            }
        }

        await using var journey = await apps.StartJourneyAsync(nameof(An_owner_downloads_the_shipments_as_csv));
        var page = journey.Page;
        await people.SignInAsync(page, owner);
        await page.GetByTestId("home-shipments").ClickAsync();
        await Assertions.Expect(page.GetByTestId("shipment-row")).ToHaveCountAsync(2);
        await journey.ScreenshotAsync("shipments");
        Assert.False(await Layout.WindowScrollsSidewaysAsync(page), "the window scrolls sideways");

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#download-csv").ClickAsync());

        Assert.Matches($"^shipments-{Regex.Escape(organization.Slug)}-[0-9]{{8}}\\.csv$", download.SuggestedFilename);
        var path = Path.Combine(journey.ArtifactDirectory, download.SuggestedFilename);
        await download.SaveAsAsync(path);
        var lines = (await File.ReadAllLinesAsync(path)).Select(l => l.TrimStart('\uFEFF')).ToList();
        Assert.StartsWith("Shipment,Purchase order,State,Recipient,", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Count);
        Assert.Contains(lines, l => l.Contains($",{order.Number},Requested,Zebulon Quixote-Marsh,zq.marsh@example.net,", StringComparison.Ordinal));
        // The formula is text to a spreadsheet: an apostrophe first, the quotes doubled inside the quoted cell.
        Assert.Contains(lines, l => l.Contains(",\"'=HYPERLINK(\"\"http://x\"\")\",", StringComparison.Ordinal));

        await using var scope = apps.CoreServices();
        var audit = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        Assert.True(await audit.AuditEntries.AnyAsync(a => a.Action == AuditActions.ShipmentsExported && a.OrganizationId == organization.Id));
    }

    /// <summary>An order as an operator enters it for the organization.</summary>
    private async Task<PurchaseOrderView> OrderAsync(string number, Organization customer)
    {
        await using var scope = apps.CoreServices();
        var order = await scope.ServiceProvider.GetRequiredService<PurchaseOrderService>().CreateAsync(AuditActor.System,
            new PurchaseOrderInput(number, customer.Id, null, null, [new("YubiKey 5 NFC", 20), new("YubiKey 5C NFC", 10)]));
        return (await scope.ServiceProvider.GetRequiredService<DeliveryQueries>().AnyPurchaseOrderAsync(order.Id))!;
    }

    [GeneratedRegex(@"^\s*kpat_[a-z2-7]{24}\.[A-Za-z0-9_-]{43}\s*$")]
    private static partial Regex SecretPattern();
}
