using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
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
using OpenIddict.Abstractions;

namespace KeyPortal.Admin.Tests.PurchaseOrders;

/// <summary>
/// Arranges what the console's purchase-order tests need through Core's own services (organizations
/// of each kind, orders, customers' shipment requests, moves), signs operators in with a browser or
/// an access token, and reads back what was written.
/// </summary>
public sealed partial class ConsoleDeliveries(RelyingPartyAppFactory<Program> factory)
{
    public static readonly ShippingAddress Recipient =
        new("Astrid Lind", "astrid.lind@example.se", "+46 8 123 456 78", "Drottninggatan 1", "Stockholm", null, "111 51", "SE");

    public RelyingPartyAppFactory<Program> Factory => factory;

    public static string UniqueNumber() => $"PO-{Guid.NewGuid():N}"[..20].ToUpperInvariant();

    public async Task<Organization> OrganizationAsync(OrganizationKind kind = OrganizationKind.Customer, string? name = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrganizationService>()
            .CreateAsync(AuditActor.System, name ?? $"{kind} {Guid.NewGuid():N}"[..30], $"org-{Guid.NewGuid():N}"[..24], kind);
    }

    /// <summary>An order of <paramref name="customerId"/>: 25 YubiKey 5 NFC and 10 YubiKey 5C NFC unless told otherwise.</summary>
    public async Task<PurchaseOrder> OrderAsync(Guid customerId, string? number = null, Guid? reseller = null, Guid? distributor = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PurchaseOrderService>().CreateAsync(AuditActor.System, new PurchaseOrderInput(
            number ?? UniqueNumber(), customerId, reseller, distributor, [new("YubiKey 5 NFC", 25), new("YubiKey 5C NFC", 10)]));
    }

    /// <summary>A shipment request of <paramref name="quantity"/> of the order's first line, made by an Owner of its customer.</summary>
    public async Task<ShipmentRequest> ShipmentAsync(PurchaseOrder order, int quantity = 2, ShippingAddress? to = null)
    {
        var owner = await Members.In(factory.Services).AddAsync(order.CustomerOrganizationId, MemberRoles.Owner);
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ShipmentService>().CreateAsync(
            AuditActor.ForUser(owner, "203.0.113.7"), order.CustomerOrganizationId,
            new ShipmentInput(order.Id, to ?? Recipient, [new ShipmentItemInput(order.Lines[0].Id, quantity)], null));
    }

    public async Task MoveAsync(Guid shipmentId, params ShipmentState[] steps)
    {
        foreach (var step in steps)
        {
            await using var scope = factory.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ShipmentService>().MoveAsync(AuditActor.System, shipmentId, step);
        }
    }

    public async Task<ShipmentState> StateOfAsync(Guid shipmentId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await Db(scope).ShipmentRequests.Where(s => s.Id == shipmentId).Select(s => s.State).SingleAsync();
    }

    /// <summary>How many orders, lines, shipment requests and audit entries there are: a refusal changes none of them.</summary>
    public async Task<(int Orders, int Lines, int Shipments, int Audit, int Idempotent)> CountsAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = Db(scope);
        return (await db.PurchaseOrders.CountAsync(), await db.PurchaseOrderLines.CountAsync(), await db.ShipmentRequests.CountAsync(),
            await db.AuditEntries.CountAsync(), await db.IdempotentRequests.CountAsync());
    }

    public async Task<PurchaseOrder?> StoredOrderAsync(string number)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await Db(scope).PurchaseOrders.AsNoTracking().Include(o => o.Lines).SingleOrDefaultAsync(o => o.Number == number);
    }

    public async Task<List<AuditEntry>> AuditAsync(Guid organizationId, string action)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await Db(scope).AuditEntries.AsNoTracking().Where(a => a.OrganizationId == organizationId && a.Action == action).OrderBy(a => a.Id).ToListAsync();
    }

    /// <summary>A platform operator signed in with a passkey, and a browser holding the console's cookie.</summary>
    public async Task<(HttpClient Browser, User Operator)> SignedInOperatorAsync()
    {
        var user = await Members.In(factory.Services).AddWithoutOrganizationAsync(isOperator: true);
        var session = await new SignedInUsers(factory.Services).StartSessionAsync(user);
        var browser = factory.CreateBrowser();
        using var signedIn = await factory.SignInAsync(browser, SignedInUsers.ClaimsOf(user, session));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return (browser, user);
    }

    /// <summary>An access token of <paramref name="user"/> (a platform operator unless given) with <paramref name="scope"/>, issued in a live session of theirs.</summary>
    public async Task<(User User, string Token)> MemberTokenAsync(User? user = null, string methods = "hwk user", string? scope = "openid operator")
    {
        user ??= await Members.In(factory.Services).AddWithoutOrganizationAsync(isOperator: true);
        var session = await new SignedInUsers(factory.Services).StartSessionAsync(user, methods: methods);
        return (user, factory.IdentityProvider.IssueAccessToken(user.Id.ToString(), await TokenEntryAsync(user.Id.ToString()), session.Id, scope: scope));
    }

    /// <summary>A client's own token (client credentials): no user behind it.</summary>
    public async Task<string> ClientTokenAsync()
    {
        var clientId = $"fulfilment-{Guid.NewGuid():N}";
        return factory.IdentityProvider.IssueAccessToken(clientId, await TokenEntryAsync(clientId));
    }

    /// <summary>Calls the API without cookies, with <paramref name="token"/> as bearer and <paramref name="json"/> as body.</summary>
    public async Task<HttpResponseMessage> CallAsync(HttpMethod method, string path, string? token, string? json = null, string? idempotencyKey = null)
    {
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await client.SendAsync(request);
    }

    /// <summary>Opens <paramref name="formPage"/> for its anti-forgery token, then posts <paramref name="fields"/> to <paramref name="action"/>.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string formPage, string action, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var page = await browser.GetStringAsync(new Uri(formPage, UriKind.Relative));
        return await PostFormWithTokenAsync(browser, AntiforgeryTokenOf(page), action, fields);
    }

    public static async Task<HttpResponseMessage> PostFormWithTokenAsync(HttpClient browser, string token, string action, IEnumerable<KeyValuePair<string, string>> fields) =>
        await browser.PostAsync(new Uri(action, UriKind.Relative), new FormUrlEncodedContent(fields.Append(new("__RequestVerificationToken", token))));

    /// <summary>The anti-forgery token a page's forms carry.</summary>
    public static string AntiforgeryTokenOf(string html) => HtmlForms.AntiforgeryToken(html);

    /// <summary>A valid token entry at the IdP for <paramref name="subject"/>, as the IdP writes one for each access token.</summary>
    public async Task<string> TokenEntryAsync(string subject)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var entry = await tokens.CreateAsync(new OpenIddictTokenDescriptor
        {
            Subject = subject,
            Status = OpenIddictConstants.Statuses.Valid,
            Type = OpenIddictConstants.TokenTypeHints.AccessToken,
            CreationDate = DateTimeOffset.UtcNow,
            ExpirationDate = DateTimeOffset.UtcNow.AddMinutes(5),
        });
        return (await tokens.GetIdAsync(entry))!;
    }

    private static PortalDbContext Db(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<PortalDbContext>();
}
