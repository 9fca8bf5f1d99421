using System.Net;
using System.Text.Json;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Admin.Tests.Management;

/// <summary>
/// Who may call the management API: operators signed in with a passkey and the configured
/// automation client with the operator scope; everyone else is refused by every endpoint and
/// changes nothing. And the OpenAPI document that describes it.
/// </summary>
[Collection(AdminApp.Collection)]
public sealed class ManagementAccessTests(RelyingPartyAppFactory<Program> factory)
{
    private readonly ManagementCalls _calls = new(factory);

    /// <summary>Every endpoint of the management API, with a body that an operator's call would get through.</summary>
    private async Task<(HttpMethod Method, string Path, string? Body)[]> EveryEndpointAsync()
    {
        var (organization, owner) = await _calls.OrganizationWithOwnerAsync(OrganizationKind.Customer | OrganizationKind.Reseller);
        var admin = await _calls.Members.AddAsync(organization.Id, MemberRoles.Admin);
        var org = $"/api/v1/organizations/{organization.Id}";
        return
        [
            (HttpMethod.Get, "/api/v1/organizations", null),
            (HttpMethod.Post, "/api/v1/organizations", $$"""{"name":"Refused","slug":"{{ManagementCalls.UniqueSlug()}}","kinds":["Customer"],"ownerEmail":"{{ManagementCalls.UniqueEmail()}}"}"""),
            (HttpMethod.Get, org, null),
            (HttpMethod.Put, $"{org}/kinds", """{"kinds":["Customer"]}"""),
            (HttpMethod.Post, $"{org}/members", $$"""{"email":"{{ManagementCalls.UniqueEmail()}}","roles":["Admin"]}"""),
            (HttpMethod.Put, $"{org}/members/{admin.Id}/roles", """{"roles":["Auditor"]}"""),
            (HttpMethod.Delete, $"{org}/members/{admin.Id}", null),
            (HttpMethod.Post, $"{org}/owners", $$"""{"email":"{{ManagementCalls.UniqueEmail()}}","reason":"Refused"}"""),
            (HttpMethod.Get, "/api/v1/users", null),
            (HttpMethod.Get, $"/api/v1/users/{owner.Id}", null),
            (HttpMethod.Post, $"/api/v1/users/{admin.Id}/suspension", """{"reason":"Refused"}"""),
            (HttpMethod.Delete, $"/api/v1/users/{admin.Id}/suspension", null),
            (HttpMethod.Post, $"/api/v1/users/{admin.Id}/reset", null),
            (HttpMethod.Get, "/api/v1/audit", null),
        ];
    }

    public static TheoryData<string, HttpStatusCode> Refused => new()
    {
        // No credential for the console: no token, or a client's token other than an automation
        // client's with the operator scope.
        { "no token", HttpStatusCode.Unauthorized },
        { "automation client without the operator scope", HttpStatusCode.Unauthorized },
        { "another client with the operator scope", HttpStatusCode.Unauthorized },
        { "another client with every scope", HttpStatusCode.Unauthorized },
        // A live token of a person the console does not admit (caller.not_admitted), or of an
        // operator that another client obtained without the operator scope (operator.required).
        { "owner of an organization", HttpStatusCode.Forbidden },
        { "operator signed in with a password", HttpStatusCode.Forbidden },
        { "operator without the operator scope", HttpStatusCode.Forbidden },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Anyone_but_an_operator_or_the_automation_client_is_refused_by_every_endpoint_and_changes_nothing(string caller, HttpStatusCode status)
    {
        var calls = await EveryEndpointAsync();
        var token = caller switch
        {
            "no token" => null,
            "owner of an organization" => (await _calls.OperatorTokenAsync(await _calls.Members.AddAsync(null, MemberRoles.Owner))).Token,
            "operator signed in with a password" => (await _calls.OperatorTokenAsync(methods: "pwd mfa")).Token,
            "operator without the operator scope" => (await _calls.OperatorTokenAsync(scope: "openid api")).Token,
            "automation client without the operator scope" => await _calls.ClientTokenAsync(scope: "api"),
            "another client with the operator scope" => await _calls.ClientTokenAsync("demo-client"),
            _ => await _calls.ClientTokenAsync($"fulfilment-{Guid.NewGuid():N}", "openid api operator delivery"),
        };
        var before = await _calls.CountsAsync();

        foreach (var (method, path, body) in calls)
        {
            using var response = await _calls.CallAsync(method, path, token, body, body is null ? null : $"k-{Guid.NewGuid():N}");

            Assert.True(status == response.StatusCode, $"{method} {path}: {response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            if (status == HttpStatusCode.Forbidden)
            {
                Assert.Equal(caller == "operator without the operator scope" ? "operator.required" : KeyPortal.Hosting.ApiAuthentication.NotAdmittedCode,
                    (await ManagementCalls.BodyAsync(response)).GetProperty("code").GetString());
            }
        }

        Assert.Equal(before, await _calls.CountsAsync());
    }

    [Fact]
    public async Task The_automation_client_with_the_operator_scope_works_and_is_audited_as_the_client()
    {
        var token = await _calls.ClientTokenAsync();
        var (organization, _) = await _calls.OrganizationWithOwnerAsync();
        var member = await _calls.Members.AddAsync(organization.Id, MemberRoles.Admin);
        var slug = ManagementCalls.UniqueSlug();
        var onboarding = $$"""{"name":"Automated","slug":"{{slug}}","kinds":["Customer"],"ownerEmail":"{{ManagementCalls.UniqueEmail()}}"}""";
        var key = $"automation-{Guid.NewGuid():N}";

        using var search = await _calls.CallAsync(HttpMethod.Get, $"/api/v1/users?email={Uri.EscapeDataString(member.Email!)}", token);
        using var suspended = await _calls.CallAsync(HttpMethod.Post, $"/api/v1/users/{member.Id}/suspension", token, """{"reason":"Automated abuse report"}""");
        using var created = await _calls.CallAsync(HttpMethod.Post, "/api/v1/organizations", token, onboarding, key);
        var afterCreate = await _calls.CountsAsync();
        using var retried = await _calls.CallAsync(HttpMethod.Post, "/api/v1/organizations", token, onboarding, key);

        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        Assert.Equal(member.Id, Assert.Single((await ManagementCalls.BodyAsync(search)).GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        Assert.Equal(UserState.Suspended, (await _calls.UserAsync(member.Id))!.State);
        var suspension = Assert.Single(await _calls.AuditAsync(a => a.Where(e => e.TargetUserId == member.Id && e.Action == AuditActions.UserStateChanged && e.Details.Contains("Automated abuse report"))));
        Assert.Equal("client:console-automation", suspension.Actor);
        Assert.Null(suspension.ActorUserId);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(await created.Content.ReadAsStringAsync(), await retried.Content.ReadAsStringAsync());
        Assert.Equal(afterCreate, await _calls.CountsAsync());
        var stored = await _calls.StoredOrganizationAsync(slug);
        var onboarded = Assert.Single(await _calls.AuditAsync(a => a.Where(e => e.OrganizationId == stored!.Id && e.Action == AuditActions.OrganizationCreated)));
        Assert.Equal("client:console-automation", onboarded.Actor);

        using var trail = await _calls.CallAsync(HttpMethod.Get, "/api/v1/audit?actor=client:console-automation&action=organization.created", token);
        Assert.Contains((await ManagementCalls.BodyAsync(trail)).GetProperty("items").EnumerateArray(), e => e.GetProperty("organizationId").GetGuid() == stored!.Id);
    }

    [Fact]
    public async Task The_automation_client_also_enters_purchase_orders_audited_as_the_client()
    {
        var token = await _calls.ClientTokenAsync();
        var customer = await _calls.OrganizationAsync();
        var number = KeyPortal.Admin.Tests.PurchaseOrders.ConsoleDeliveries.UniqueNumber();

        using var response = await _calls.CallAsync(HttpMethod.Post, "/api/v1/purchase-orders", token,
            $$"""{"number":"{{number}}","customerOrganizationId":"{{customer.Id}}","lines":[{"product":"YubiKey 5 NFC","quantity":5}]}""", $"po-{Guid.NewGuid():N}");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var audited = Assert.Single(await _calls.AuditAsync(a => a.Where(e => e.OrganizationId == customer.Id && e.Action == AuditActions.PurchaseOrderCreated)));
        Assert.Equal("client:console-automation", audited.Actor);
    }

    [Fact]
    public async Task A_revoked_automation_token_fails_on_its_next_call()
    {
        var token = await _calls.ClientTokenAsync();
        using (var first = await _calls.CallAsync(HttpMethod.Get, "/api/v1/users?limit=1", token))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var tokens = scope.ServiceProvider.GetRequiredService<OpenIddict.Abstractions.IOpenIddictTokenManager>();
            var id = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).GetClaim("oi_tkn_id").Value;
            Assert.True(await tokens.TryRevokeAsync((await tokens.FindByIdAsync(id))!));
        }

        using var next = await _calls.CallAsync(HttpMethod.Get, "/api/v1/users?limit=1", token);
        Assert.Equal(HttpStatusCode.Unauthorized, next.StatusCode);
    }

    [Fact]
    public async Task A_suspended_operators_token_fails_on_the_next_call()
    {
        var (operatorUser, token) = await _calls.OperatorTokenAsync();
        using (var first = await _calls.CallAsync(HttpMethod.Get, "/api/v1/users?limit=1", token))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        // Operators are not suspended through the API (user.suspend_operator); the account may
        // still end up suspended, e.g. once its operator status was withdrawn.
        await new SignedInUsers(factory.Services).TransitionAsync(operatorUser, UserState.Suspended);

        using var next = await _calls.CallAsync(HttpMethod.Get, "/api/v1/users?limit=1", token);
        await ManagementCalls.AssertProblemAsync(next, HttpStatusCode.Unauthorized, code: null);
    }

    [Fact]
    public async Task An_operator_who_loses_operator_status_is_refused_on_the_next_call()
    {
        var (operatorUser, token) = await _calls.OperatorTokenAsync();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KeyPortal.Core.Persistence.PortalDbContext>();
            (await db.Users.SingleAsync(u => u.Id == operatorUser.Id)).IsPlatformOperator = false;
            await db.SaveChangesAsync();
        }

        // The token and its session still hold; the console no longer admits the person.
        using var next = await _calls.CallAsync(HttpMethod.Get, "/api/v1/users?limit=1", token);
        await ManagementCalls.AssertProblemAsync(next, HttpStatusCode.Forbidden, KeyPortal.Hosting.ApiAuthentication.NotAdmittedCode);
    }

    /// <summary>Every path and method the console's API maps under <c>/api/v1</c>.</summary>
    private static readonly string[] Documented =
    [
        "GET /api/v1/audit",
        "GET /api/v1/organizations",
        "POST /api/v1/organizations",
        "GET /api/v1/organizations/{id}",
        "PUT /api/v1/organizations/{id}/kinds",
        "POST /api/v1/organizations/{id}/members",
        "DELETE /api/v1/organizations/{id}/members/{userId}",
        "PUT /api/v1/organizations/{id}/members/{userId}/roles",
        "POST /api/v1/organizations/{id}/owners",
        "GET /api/v1/purchase-orders",
        "POST /api/v1/purchase-orders",
        "GET /api/v1/purchase-orders/{id}",
        "POST /api/v1/shipments/{id}/state",
        "GET /api/v1/users",
        "GET /api/v1/users/{id}",
        "DELETE /api/v1/users/{id}/suspension",
        "POST /api/v1/users/{id}/suspension",
        "POST /api/v1/users/{id}/reset",
    ];

    [Fact]
    public async Task The_OpenAPI_document_is_public_json_listing_every_endpoint_with_its_name_tag_and_summary()
    {
        using var response = await _calls.CallAsync(HttpMethod.Get, "/api/openapi/v1.json", token: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(op => op.Name is "get" or "post" or "put" or "delete" or "patch")
                .Select(op => (Key: $"{op.Name.ToUpperInvariant()} {path.Name}", Operation: op.Value)))
            .ToList();
        Assert.Equal(Documented.Order(StringComparer.Ordinal), operations.Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.All(operations, o =>
        {
            Assert.False(string.IsNullOrEmpty(o.Operation.GetProperty("operationId").GetString()), o.Key);
            Assert.False(string.IsNullOrEmpty(o.Operation.GetProperty("summary").GetString()), o.Key);
            Assert.NotEmpty(o.Operation.GetProperty("tags").EnumerateArray());
        });
        var tags = operations.SelectMany(o => o.Operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString())).ToHashSet();
        Assert.Superset(new HashSet<string?> { "Organizations", "Members", "Users", "Audit", "Purchase orders" }, tags);
        Assert.Equal("KeyPortal operator console API", document.RootElement.GetProperty("info").GetProperty("title").GetString());

        Assert.True(document.RootElement.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _));
        var onboard = document.RootElement.GetProperty("paths").GetProperty("/api/v1/organizations").GetProperty("post");
        Assert.Contains(onboard.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key");

        using var reference = await _calls.CallAsync(HttpMethod.Get, "/api/docs/", token: null);
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Equal("text/html", reference.Content.Headers.ContentType?.MediaType);
        Assert.Contains("api/openapi/v1.json", await reference.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
