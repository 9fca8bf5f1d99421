using System.Text.Json;
using KeyPortal.Admin.Tests.PurchaseOrders;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace KeyPortal.Admin.Tests.Management;

/// <summary>What every row count a refusal must leave alone is: organizations, memberships, accounts and their states, audit entries, idempotency records, invitations.</summary>
public sealed record Counts(int Organizations, int Memberships, int Users, int Suspended, int Reset, int Audit, int Idempotent, int Invitations, string Kinds, string Roles);

/// <summary>
/// Arranges what the management API's tests need (organizations, members, operators, tokens of
/// members and of clients) and reads back what was written.
/// </summary>
public sealed class ManagementCalls(RelyingPartyAppFactory<Program> factory)
{
    public const string AutomationClient = "console-automation";

    private readonly ConsoleDeliveries _deliveries = new(factory);

    public RelyingPartyAppFactory<Program> Factory => factory;

    public Members Members => Members.In(factory.Services);

    public static string UniqueSlug() => $"org-{Guid.NewGuid():N}"[..24];

    public static string UniqueEmail() => $"person-{Guid.NewGuid():N}@example.com";

    public Task<Organization> OrganizationAsync(OrganizationKind kind = OrganizationKind.Customer, string? name = null) =>
        _deliveries.OrganizationAsync(kind, name);

    /// <summary>A Customer organization with one Owner.</summary>
    public async Task<(Organization Organization, User Owner)> OrganizationWithOwnerAsync(OrganizationKind kind = OrganizationKind.Customer)
    {
        var organization = await OrganizationAsync(kind);
        return (organization, await Members.AddAsync(organization.Id, MemberRoles.Owner));
    }

    /// <summary>An access token of a platform operator (or of <paramref name="user"/>) issued in a live passkey session.</summary>
    public Task<(User User, string Token)> OperatorTokenAsync(User? user = null, string methods = "hwk user", string? scope = "openid operator") =>
        _deliveries.MemberTokenAsync(user, methods, scope);

    /// <summary>A client's own token (client credentials) with a live token entry.</summary>
    public async Task<string> ClientTokenAsync(string clientId = AutomationClient, string? scope = "operator") =>
        factory.IdentityProvider.IssueAccessToken(clientId, await TokenEntryAsync(clientId), scope: scope);

    public Task<HttpResponseMessage> CallAsync(HttpMethod method, string path, string? token, string? json = null, string? idempotencyKey = null) =>
        _deliveries.CallAsync(method, path, token, json, idempotencyKey);

    public static async Task<JsonElement> BodyAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>A refusal: problem JSON with this status and <paramref name="code"/>.</summary>
    public static async Task AssertProblemAsync(HttpResponseMessage response, System.Net.HttpStatusCode status, string? code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (code is not null)
        {
            Assert.Equal(code, (await BodyAsync(response)).GetProperty("code").GetString());
        }
    }

    public async Task<Counts> CountsAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = Db(scope);
        var kinds = string.Join(',', await db.Organizations.OrderBy(o => o.Id).Select(o => (int)o.Kind).ToListAsync());
        var roles = string.Join(',', await db.Memberships.OrderBy(m => m.Id).Select(m => $"{(int?)m.OrganizationRole}/{(int)m.ChannelRoles}").ToListAsync());
        return new Counts(
            await db.Organizations.CountAsync(), await db.Memberships.CountAsync(), await db.Users.CountAsync(),
            await db.Users.CountAsync(u => u.State == UserState.Suspended), await db.Users.CountAsync(u => u.State == UserState.Reset),
            await db.AuditEntries.CountAsync(), await db.IdempotentRequests.CountAsync(), await db.Invitations.CountAsync(),
            kinds.GetHashCode(StringComparison.Ordinal).ToString(System.Globalization.CultureInfo.InvariantCulture),
            roles.GetHashCode(StringComparison.Ordinal).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task<List<AuditEntry>> AuditAsync(Func<IQueryable<AuditEntry>, IQueryable<AuditEntry>> filter)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await filter(Db(scope).AuditEntries.AsNoTracking()).OrderBy(a => a.Id).ToListAsync();
    }

    public async Task<User?> UserAsync(Guid id)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await Db(scope).Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id);
    }

    public async Task<Organization?> StoredOrganizationAsync(string slug)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await Db(scope).Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Slug == slug);
    }

    public async Task<Membership?> MembershipAsync(Guid organizationId, Guid userId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await Db(scope).Memberships.AsNoTracking().SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.UserId == userId);
    }

    private Task<string> TokenEntryAsync(string subject) => _deliveries.TokenEntryAsync(subject);

    private static PortalDbContext Db(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<PortalDbContext>();
}
