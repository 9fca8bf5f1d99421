using System.Net;
using System.Text.RegularExpressions;
using KeyPortal.Core.ApiTokens;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Portal.Tests.Delivery;

/// <summary>
/// The Portal over its own database, with a builder for the delivery world of one test: a
/// customer with a purchase order sold through a reseller and a distributor, and a shipment
/// request to a recipient whose details are distinctive enough to be searched for in any page.
/// One host for every class of <see cref="Collection"/>; each test builds a world of its own.
/// </summary>
public sealed partial class DeliveryFixture : RelyingPartyAppFactory<Program>
{
    public const string Collection = "Portal delivery";

    public Members Members => Members.In(Services);

    public SignedInUsers Users => new(Services);

    /// <summary>A customer, a reseller and a distributor organization, an order naming all three, and one shipment request to <see cref="Recipients.Seeded"/>.</summary>
    public async Task<DeliveryWorld> WorldAsync(OrganizationKind customerKind = OrganizationKind.Customer)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var customer = await OrganizationAsync($"Customer {suffix}", $"customer-{suffix}", customerKind);
        var reseller = await OrganizationAsync($"Reseller {suffix}", $"reseller-{suffix}", OrganizationKind.Reseller);
        var distributor = await OrganizationAsync($"Distributor {suffix}", $"distributor-{suffix}", OrganizationKind.Distributor);
        var owner = await Members.AddAsync(customer.Id, MemberRoles.Owner);
        var order = await OrderAsync($"PO-{suffix}", customer.Id, reseller.Id, distributor.Id);
        var shipment = await ShipmentAsync(owner, customer.Id, order, Recipients.Seeded, quantity: 5);
        return new DeliveryWorld(customer, reseller, distributor, owner, order, shipment);
    }

    public async Task<Organization> OrganizationAsync(string name, string slug, OrganizationKind kind)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrganizationService>().CreateAsync(AuditActor.System, name, slug, kind);
    }

    /// <summary>An order as an operator enters it: 100 YubiKey 5 NFC and 50 YubiKey 5C.</summary>
    public async Task<PurchaseOrderView> OrderAsync(string number, Guid customerId, Guid? resellerId = null, Guid? distributorId = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var order = await scope.ServiceProvider.GetRequiredService<PurchaseOrderService>().CreateAsync(AuditActor.System,
            new PurchaseOrderInput(number, customerId, resellerId, distributorId, [new("YubiKey 5 NFC", 100), new("YubiKey 5C", 50)]));
        return (await scope.ServiceProvider.GetRequiredService<DeliveryQueries>().AnyPurchaseOrderAsync(order.Id))!;
    }

    /// <summary>
    /// A shipment request of <paramref name="quantity"/> keys of the order's first line, made by
    /// <paramref name="by"/>. It carries an override reason, so it is saved whatever the address
    /// checks think of the test's recipient (the reason is dropped when there was nothing to override).
    /// </summary>
    public async Task<ShipmentRequest> ShipmentAsync(User by, Guid organizationId, PurchaseOrderView order, ShippingAddress recipient, int quantity = 1)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ShipmentService>().CreateAsync(
            AuditActor.ForUser(by, "127.0.0.1"), organizationId,
            new ShipmentInput(order.Id, recipient, [new(order.Lines[0].Id, quantity)], "Arranged by the test."));
    }

    /// <summary>An operator moves the request on (in progress, shipped).</summary>
    public async Task MoveAsync(Guid shipmentId, ShipmentState to)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ShipmentService>().MoveAsync(AuditActor.System, shipmentId, to);
    }

    public async Task<GeneratedApiToken> TokenAsync(User by, Guid organizationId, string name = "Delivery system")
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ApiTokenService>().GenerateAsync(AuditActor.ForUser(by, "127.0.0.1"), organizationId, name, null);
    }

    /// <summary>A browser signed in to the Portal as <paramref name="user"/> (a passkey session).</summary>
    public async Task<HttpClient> SignedInAsync(User user)
    {
        var session = await Users.StartSessionAsync(user);
        var browser = CreateBrowser();
        using var signedIn = await SignInAsync(browser, IdentityClaims.For(user.Id, user.Email!, session.Id));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return browser;
    }

    /// <summary>Posts a form with the browser's anti-forgery token (taken from the home page, whose sign-out form carries it).</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient browser, string path, IEnumerable<KeyValuePair<string, string>>? fields = null)
    {
        ArgumentNullException.ThrowIfNull(browser);
        var home = await browser.GetStringAsync(new Uri("/", UriKind.Relative));
        var token = HtmlForms.AntiforgeryToken(home);
        return await browser.PostAsync(new Uri(path, UriKind.Relative),
            new FormUrlEncodedContent([.. fields ?? [], new("__RequestVerificationToken", token)]));
    }

    public async Task<T> WithDbAsync<T>(Func<PortalDbContext, Task<T>> read)
    {
        await using var scope = Services.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }

    public async Task<T> WithAsync<TService, T>(Func<TService, Task<T>> use)
        where TService : notnull
    {
        await using var scope = Services.CreateAsyncScope();
        return await use(scope.ServiceProvider.GetRequiredService<TService>());
    }

    /// <summary>Everything a delivery page could change in an organization: tokens, shipment requests and their items, audit entries.</summary>
    public Task<string> SnapshotAsync(Guid organizationId) =>
        WithDbAsync(async db =>
        {
            var tokens = await db.ApiTokens.Where(t => t.OrganizationId == organizationId).OrderBy(t => t.Id).Select(t => t.PublicId).ToListAsync();
            var shipments = await db.ShipmentRequests.AsNoTracking().Where(s => s.OrganizationId == organizationId).Include(s => s.Items).ToListAsync();
            var rows = shipments.OrderBy(s => s.Id).Select(s =>
                $"{s.Id}:{s.State}:{s.RecipientName}:{s.PostalCode}:{s.UpdatedAt.UtcTicks}:{string.Join('+', s.Items.OrderBy(i => i.Id).Select(i => $"{i.PurchaseOrderLineId}x{i.Quantity}"))}");
            var audit = await db.AuditEntries.CountAsync(a => a.OrganizationId == organizationId && a.Action != AuditActions.OrganizationSwitched);
            return $"{string.Join(',', tokens)}|{string.Join(',', rows)}|{audit}";
        });
}

/// <summary>What <see cref="DeliveryFixture.WorldAsync"/> built.</summary>
public sealed record DeliveryWorld(
    Organization Customer, Organization Reseller, Organization Distributor, User Owner, PurchaseOrderView Order, ShipmentRequest Shipment);

/// <summary>Recipients of the tests' shipment requests.</summary>
public static class Recipients
{
    /// <summary>Values no page prints by accident: a page showing any of them shows this person.</summary>
    public static readonly ShippingAddress Seeded = new(
        "Zebulon Quixote-Marsh", "zq.marsh@example.net", "+46 8 555 0199", "17 Vandergrift Lane", "Stockholm", null, "114 55", "SE");

    public static IReadOnlyList<string> DistinctiveValuesOf(ShippingAddress recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        // As entered and as stored (the phone number in E.164).
        return [recipient.RecipientName, recipient.Email, recipient.Phone, AddressValidation.Normalize(recipient).Phone, recipient.Street];
    }

    /// <summary>A valid address for forms, in the shape the Swedish post uses.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Form(
        string name = "Ingrid Valdemarsdottir", string postalCode = "111 51", string? overrideReason = null) =>
    [
        new("RecipientName", name),
        new("Email", "ingrid.v@example.org"),
        new("Phone", "+46 8 123 456 78"),
        new("Street", "Drottninggatan 1"),
        new("City", "Stockholm"),
        new("Region", ""),
        new("PostalCode", postalCode),
        new("Country", "SE"),
        .. overrideReason is null ? [] : new KeyValuePair<string, string>[] { new("OverrideValidation", "true"), new("OverrideReason", overrideReason) },
    ];
}

[CollectionDefinition(DeliveryFixture.Collection)]
public sealed class DeliveryCollection : ICollectionFixture<DeliveryFixture>;
