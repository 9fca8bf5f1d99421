using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using KeyPortal.Core.ApiTokens;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace KeyPortal.Portal.Tests.DeliveryApi;

/// <summary>The roles of the permission table, each with a member of its own.</summary>
public enum ApiRole
{
    Owner,
    Admin,
    Auditor,
    ResellerOnly,
    DistributorOnly,
    DemoOwner,
}

/// <summary>
/// The Portal over its own database with one delivery world: a customer with a member in each
/// organization role, a reseller and a distributor named on the customer's purchase order, and
/// shipment requests whose recipients carry values distinctive enough to search responses for.
/// </summary>
public sealed class DeliveryApiFixture : RelyingPartyAppFactory<Program>
{
    public const string Collection = "Portal delivery API";

    /// <summary>Personal data of the seeded recipients: no channel partner's response may contain any of it.</summary>
    public static readonly string[] PersonalData = ["Zebulon Quixote-Marsh", "zq.marsh@example.net", "17 Vandergrift Lane", "+46 8 555 0199", "+4685550199", "5550199", "Quillfeather"];

    public static readonly ShippingAddress Recipient =
        new("Zebulon Quixote-Marsh", "zq.marsh@example.net", "+46 8 555 0199", "17 Vandergrift Lane", "Quillfeather", null, "111 51", "SE");

    public Members Members => Members.In(Services);

    public Organization Customer { get; private set; } = null!;

    public Organization Reseller { get; private set; } = null!;

    public Organization Distributor { get; private set; } = null!;

    public PurchaseOrder Order { get; private set; } = null!;

    public Dictionary<ApiRole, KeyPortal.Core.Users.User> People { get; } = [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var scope = Services.CreateAsyncScope();
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();
        Customer = await organizations.CreateAsync(AuditActor.System, "Contoso Shipping", "contoso-delivery", OrganizationKind.Customer);
        Reseller = await organizations.CreateAsync(AuditActor.System, "Northwind Resale", "northwind-resale", OrganizationKind.Reseller);
        Distributor = await organizations.CreateAsync(AuditActor.System, "Fabrikam Distribution", "fabrikam-distribution", OrganizationKind.Distributor);
        People[ApiRole.Owner] = await Members.AddAsync(Customer.Id, MemberRoles.Owner);
        People[ApiRole.Admin] = await Members.AddAsync(Customer.Id, MemberRoles.Admin);
        People[ApiRole.Auditor] = await Members.AddAsync(Customer.Id, new MemberRoles(OrganizationRole.Auditor, ChannelRoles.None));
        People[ApiRole.DemoOwner] = await Members.AddAsync(Customer.Id, MemberRoles.Owner, KeyPortal.Core.Users.UserState.ActiveDemo);
        People[ApiRole.ResellerOnly] = await Members.AddAsync(Reseller.Id, new MemberRoles(null, ChannelRoles.Reseller));
        People[ApiRole.DistributorOnly] = await Members.AddAsync(Distributor.Id, new MemberRoles(null, ChannelRoles.Distributor));
        Order = await scope.ServiceProvider.GetRequiredService<PurchaseOrderService>().CreateAsync(AuditActor.System, new PurchaseOrderInput(
            "PO-2026-0042", Customer.Id, Reseller.Id, Distributor.Id, [new("YubiKey 5 NFC", 100_000), new("YubiKey 5C NFC", 50)]));
        await ShipmentAsync();
    }

    /// <summary>A requested shipment of one key to the distinctive recipient, by the Owner.</summary>
    public async Task<Guid> ShipmentAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<ShipmentService>().CreateAsync(
            AuditActor.ForUser(People[ApiRole.Owner], "192.0.2.1"), Customer.Id,
            new ShipmentInput(Order.Id, Recipient, [new ShipmentItemInput(Order.Lines[0].Id, 1)], null));
        return created.Id;
    }

    /// <summary>The organization the role's member works in.</summary>
    public Guid OrganizationOf(ApiRole role) => role switch
    {
        ApiRole.ResellerOnly => Reseller.Id,
        ApiRole.DistributorOnly => Distributor.Id,
        _ => Customer.Id,
    };

    /// <summary>A member's own access token from the IdP (signed in, api scope), with a live session and token entry.</summary>
    public Task<string> MemberAccessTokenAsync(ApiRole role) => MemberAccessTokenAsync(People[role]);

    /// <summary>A member's own access token from the IdP (signed in, api scope), with a live session and token entry.</summary>
    public async Task<string> MemberAccessTokenAsync(KeyPortal.Core.Users.User user)
    {
        var session = await new SignedInUsers(Services).StartSessionAsync(user);
        await using var scope = Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var entry = await tokens.CreateAsync(new OpenIddictTokenDescriptor
        {
            Subject = user.Id.ToString(),
            Status = OpenIddictConstants.Statuses.Valid,
            Type = OpenIddictConstants.TokenTypeHints.AccessToken,
            CreationDate = DateTimeOffset.UtcNow,
            ExpirationDate = DateTimeOffset.UtcNow.AddMinutes(5),
        });
        return IdentityProvider.IssueAccessToken(user.Id.ToString(), (await tokens.GetIdAsync(entry))!, session.Id);
    }

    /// <summary>An API token generated by the role's member (Owners and Admins only).</summary>
    public async Task<string> ApiTokenAsync(ApiRole role)
    {
        await using var scope = Services.CreateAsyncScope();
        var generated = await scope.ServiceProvider.GetRequiredService<ApiTokenService>()
            .GenerateAsync(AuditActor.ForUser(People[role], "192.0.2.1"), OrganizationOf(role), $"Shipping system {Guid.NewGuid():N}", null);
        return generated.Value;
    }

    /// <summary>A call without cookies, as a customer's system makes it.</summary>
    public async Task<HttpResponseMessage> CallAsync(HttpMethod method, string path, string token, object? body = null, string? idempotencyKey = null)
    {
        using var client = CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = body as HttpContent ?? new StringContent(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json");
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Everything a delivery call could change: shipments with their state and items, tokens, audit entries.</summary>
    public async Task<string> SnapshotAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeyPortal.Core.Persistence.PortalDbContext>();
        var shipments = await db.ShipmentRequests.OrderBy(s => s.Id)
            .Select(s => s.Id + ":" + s.State + ":" + s.Street + ":" + s.UpdatedAt + ":" + s.Items.Sum(i => i.Quantity)).ToListAsync();
        var audit = await db.AuditEntries.CountAsync(a => a.Action.StartsWith("shipment") || a.Action.StartsWith("purchase_order"));
        return $"{string.Join(',', shipments)}|{audit}|{await db.IdempotentRequests.CountAsync()}";
    }
}

[CollectionDefinition(DeliveryApiFixture.Collection)]
public sealed class DeliveryApiCollection : ICollectionFixture<DeliveryApiFixture>;
