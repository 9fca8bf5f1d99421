using System.Net;
using System.Text.RegularExpressions;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using KeyPortal.TestSupport.RelyingParty;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Portal.Tests.Users;

/// <summary>
/// The Portal over its own database, with helpers to build organizations and sign members in;
/// one host for every class of <see cref="Collection"/> (each test makes organizations and
/// people of its own, and the classes run one after another).
/// </summary>
public sealed partial class UsersFixture : RelyingPartyAppFactory<Program>
{
    public const string Collection = "Portal users";
    /// <summary>The password of a member arranged with one.</summary>
    public const string Password = "A-member-password-2026";

    public SignedInUsers Users => new(Services);

    public Members Members => Members.In(Services);

    /// <summary>A Customer + Reseller + Distributor organization (every role is possible) with an Active Owner.</summary>
    public async Task<(Organization Organization, User Owner)> OrganizationAsync(OrganizationKind kind = OrganizationKind.Customer | OrganizationKind.Reseller | OrganizationKind.Distributor)
    {
        await using var scope = Services.CreateAsyncScope();
        var slug = $"org-{Guid.NewGuid():N}"[..24];
        var organization = await scope.ServiceProvider.GetRequiredService<OrganizationService>().CreateAsync(AuditActor.System, $"Org {slug}", slug, kind);
        var owner = await Members.AddAsync(organization.Id, MemberRoles.Owner);
        return (organization, owner);
    }

    public async Task AddAsync(Guid organizationId, User user, MemberRoles roles)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<MembershipService>().AddMemberAsync(AuditActor.System, organizationId, user.Email!, roles);
    }

    /// <summary>A browser signed in to the Portal as <paramref name="user"/>.</summary>
    /// <param name="federatedBy">Signed in through this organization's identity provider instead of with a passkey.</param>
    public async Task<HttpClient> SignedInAsync(User user, Guid? federatedBy = null)
    {
        var session = await Users.StartSessionAsync(user, methods: federatedBy is null ? "hwk user" : "fed", federatedBy: federatedBy);
        var browser = CreateBrowser();
        using var signedIn = await SignInAsync(browser, IdentityClaims.For(user.Id, user.Email!, session.Id));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return browser;
    }

    /// <summary>Posts a form with an anti-forgery token taken from the home page.</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient browser, string path, IDictionary<string, string>? fields = null)
    {
        var home = await browser.GetStringAsync(new Uri("/", UriKind.Relative));
        var form = new Dictionary<string, string>(fields ?? new Dictionary<string, string>())
        {
            ["__RequestVerificationToken"] = HtmlForms.AntiforgeryToken(home),
        };
        return await browser.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(form));
    }

    public async Task<T> WithDbAsync<T>(Func<PortalDbContext, Task<T>> read)
    {
        await using var scope = Services.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }

    /// <summary>Everything a Users-page action could change about an organization and a member.</summary>
    public Task<string> SnapshotAsync(Guid organizationId, Guid userId) =>
        WithDbAsync(async db =>
        {
            var members = await db.Memberships.Where(m => m.OrganizationId == organizationId)
                .OrderBy(m => m.UserId).Select(m => m.UserId + ":" + m.OrganizationRole + ":" + m.ChannelRoles).ToListAsync();
            var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId);
            var invitations = await db.Invitations.CountAsync(i => i.UserId == userId);
            var audit = await db.AuditEntries.CountAsync(a => a.OrganizationId == organizationId && a.Action != "organization.switched");
            return $"{string.Join(',', members)}|{user.State}|{user.PasswordHash}|{user.SecurityStamp}|{invitations}|{audit}";
        });
}

[CollectionDefinition(UsersFixture.Collection)]
public sealed class UsersCollection : ICollectionFixture<UsersFixture>;
