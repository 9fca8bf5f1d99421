using System.Net;
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

namespace KeyPortal.Admin.Tests.ConsolePages;

/// <summary>
/// An organization's page in the console: what operators see, and what they change there (kinds,
/// members, a new Owner), each refusal changing nothing.
/// </summary>
[Collection(AdminApp.Collection)]
public sealed class OrganizationDetailsPageTests(RelyingPartyAppFactory<Program> factory)
{
    private readonly ConsoleDeliveries _console = new(factory);

    [Fact]
    public async Task An_operator_sees_members_roles_states_and_the_single_owner_warning()
    {
        var organization = await _console.OrganizationAsync(OrganizationKind.Customer | OrganizationKind.Reseller);
        var owner = await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Owner);
        var seller = await Members.In(factory.Services).AddAsync(organization.Id, new MemberRoles(OrganizationRole.Admin, ChannelRoles.Reseller), UserState.Suspended);
        var (browser, _) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var page = await browser.GetStringAsync(new Uri($"/organizations/{organization.Id}", UriKind.Relative));

            Assert.Contains($"<code id=\"organization-slug\">{organization.Slug}</code>", page, StringComparison.Ordinal);
            Assert.Contains("<dd id=\"owner-count\">1</dd>", page, StringComparison.Ordinal);
            Assert.Contains("<dd id=\"member-count\">2</dd>", page, StringComparison.Ordinal);
            Assert.Contains("id=\"owner-warning\"", page, StringComparison.Ordinal);
            Assert.Contains($"data-user=\"{owner.Id}\"", page, StringComparison.Ordinal);
            Assert.Contains("Admin, Reseller", page, StringComparison.Ordinal);
            Assert.Contains(UserStateNames.Display(UserState.Suspended), page, StringComparison.Ordinal);
            Assert.Contains(seller.Email!, page, StringComparison.Ordinal);
            Assert.Contains("data-action=\"member.added\"", page, StringComparison.Ordinal);

            var list = await browser.GetStringAsync(new Uri($"/organizations?q={organization.Slug}", UriKind.Relative));
            Assert.Contains($"href=\"/organizations/{organization.Id}\"", list, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_unknown_organization_is_not_found()
    {
        var (browser, _) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            using var response = await browser.GetAsync(new Uri($"/organizations/{Guid.NewGuid()}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task Someone_who_is_not_an_operator_neither_sees_nor_changes_an_organization()
    {
        var organization = await _console.OrganizationAsync();
        var owner = await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Owner);
        var session = await new SignedInUsers(factory.Services).StartSessionAsync(owner);
        using var browser = factory.CreateBrowser();
        using var callback = await factory.SignInAsync(browser, SignedInUsers.ClaimsOf(owner, session), $"/organizations/{organization.Id}");
        Assert.Equal(KeyPortal.Hosting.RelyingPartyPaths.AccessDenied, callback.Headers.Location!.OriginalString);

        using var page = await browser.GetAsync(new Uri($"/organizations/{organization.Id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.DoesNotContain(owner.Email!, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var before = await CountsAsync(organization.Id);
        using var post = await browser.PostAsync(new Uri($"/organizations/{organization.Id}?handler=AppointOwner", UriKind.Relative),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["OwnerEmail"] = owner.Email!, ["Reason"] = "takeover" }));
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal(before, await CountsAsync(organization.Id));
    }

    [Fact]
    public async Task An_operator_adds_a_kind_and_cannot_remove_one_whose_channel_role_members_hold()
    {
        var organization = await _console.OrganizationAsync();
        await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Owner);
        var (browser, _) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var path = $"/organizations/{organization.Id}";
            using var added = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=Kinds", [new("Kinds", "Customer"), new("Kinds", "Reseller")]);
            Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
            Assert.Equal($"{path}?done=kinds", added.Headers.Location!.OriginalString);
            Assert.Equal(OrganizationKind.Customer | OrganizationKind.Reseller, await KindOfAsync(organization.Id));
            Assert.Single(await _console.AuditAsync(organization.Id, AuditActions.OrganizationKindChanged));

            await Members.In(factory.Services).AddAsync(organization.Id, new MemberRoles(null, ChannelRoles.Reseller));
            var before = await CountsAsync(organization.Id);
            using var removed = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=Kinds", [new("Kinds", "Customer")]);

            Assert.Equal(HttpStatusCode.Conflict, removed.StatusCode);
            Assert.Contains("id=\"error\"", await removed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(OrganizationKind.Customer | OrganizationKind.Reseller, await KindOfAsync(organization.Id));
            Assert.Equal(before, await CountsAsync(organization.Id));

            using var none = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=Kinds", []);
            Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
            Assert.Equal(before, await CountsAsync(organization.Id));
        }
    }

    [Fact]
    public async Task An_operator_adds_someone_with_an_account_elsewhere_directly_and_a_new_person_by_activation_link()
    {
        var organization = await _console.OrganizationAsync(OrganizationKind.Customer | OrganizationKind.Distributor);
        await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Owner);
        var elsewhere = await Members.In(factory.Services).AddAsync(null, MemberRoles.Owner);
        var newcomer = $"new.{Guid.NewGuid():N}@example.com";
        var (browser, _) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var path = $"/organizations/{organization.Id}";
            using var existing = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=AddMember",
                [new("MemberEmail", elsewhere.Email!), new("MemberRoleNames", "Owner"), new("MemberRoleNames", "Distributor")]);
            Assert.Equal(HttpStatusCode.Redirect, existing.StatusCode);
            using var fresh = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=AddMember",
                [new("MemberEmail", newcomer), new("MemberRoleNames", "Auditor")]);
            Assert.Equal(HttpStatusCode.Redirect, fresh.StatusCode);

            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var joined = await db.Memberships.Include(m => m.User).Where(m => m.OrganizationId == organization.Id).ToListAsync();
            var both = joined.Single(m => m.UserId == elsewhere.Id);
            Assert.Equal(OrganizationRole.Owner, both.OrganizationRole);
            Assert.Equal(ChannelRoles.Distributor, both.ChannelRoles);
            Assert.Equal(UserState.Active, both.User.State);
            Assert.Equal(2, await db.Memberships.CountAsync(m => m.UserId == elsewhere.Id && m.OrganizationRole == OrganizationRole.Owner));
            var invited = joined.Single(m => m.User.Email == newcomer);
            Assert.Equal(UserState.Pending, invited.User.State);
            Assert.True(await db.Invitations.AnyAsync(i => i.UserId == invited.UserId && i.UsedAt == null));
        }
    }

    [Theory]
    [InlineData("not an address", "Owner")]
    [InlineData("", "Owner")]
    [InlineData("someone@example.com", "Emperor")]
    [InlineData("someone@example.com", "Reseller")]
    public async Task A_bad_member_is_refused_and_nothing_changes(string email, string role)
    {
        var organization = await _console.OrganizationAsync();
        await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Owner);
        var (browser, _) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var before = await CountsAsync(organization.Id);
            var path = $"/organizations/{organization.Id}";
            using var response = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=AddMember", [new("MemberEmail", email), new("MemberRoleNames", role)]);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("data-form=\"member\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(before, await CountsAsync(organization.Id));
        }
    }

    [Fact]
    public async Task An_operator_appoints_a_new_owner_with_a_reason_and_without_one_nothing_happens()
    {
        var organization = await _console.OrganizationAsync();
        var lost = await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Owner);
        var admin = await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Admin);
        var (browser, @operator) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var path = $"/organizations/{organization.Id}";
            var before = await CountsAsync(organization.Id);
            using var unexplained = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=AppointOwner", [new("OwnerEmail", admin.Email!), new("Reason", "  ")]);
            Assert.Equal(HttpStatusCode.BadRequest, unexplained.StatusCode);
            Assert.Contains("data-form=\"owner\"", await unexplained.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(before, await CountsAsync(organization.Id));

            using var appointed = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=AppointOwner",
                [new("OwnerEmail", admin.Email!), new("Reason", "The only Owner lost both security keys (ticket 4711)")]);
            Assert.Equal(HttpStatusCode.Redirect, appointed.StatusCode);
            Assert.Equal($"{path}?done=owner-appointed", appointed.Headers.Location!.OriginalString);

            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            Assert.Equal(OrganizationRole.Owner, await db.Memberships.Where(m => m.OrganizationId == organization.Id && m.UserId == admin.Id).Select(m => m.OrganizationRole).SingleAsync());
            var entry = Assert.Single(await _console.AuditAsync(organization.Id, AuditActions.OwnerAppointed));
            Assert.Equal(@operator.Email, entry.Actor);
            Assert.Contains("ticket 4711", entry.Details, StringComparison.Ordinal);

            var page = await browser.GetStringAsync(new Uri($"{path}?done=owner-appointed", UriKind.Relative));
            Assert.Contains("id=\"notice\"", page, StringComparison.Ordinal);
            Assert.Contains("<dd id=\"owner-count\">2</dd>", page, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"owner-warning\"", page, StringComparison.Ordinal);

            using var again = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=AppointOwner", [new("OwnerEmail", lost.Email!), new("Reason", "again")]);
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }
    }

    [Fact]
    public async Task A_suspended_account_is_made_owner_neither_by_appointment_nor_by_addition()
    {
        var organization = await _console.OrganizationAsync();
        await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Owner);
        var suspended = await Members.In(factory.Services).AddAsync(null, MemberRoles.Admin, UserState.Suspended);
        var (browser, _) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var path = $"/organizations/{organization.Id}";
            var before = await CountsAsync(organization.Id);
            using var added = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=AddMember",
                [new("MemberEmail", suspended.Email!), new("MemberRoleNames", "Owner")]);
            using var appointed = await ConsoleDeliveries.PostFormAsync(browser, path, $"{path}?handler=AppointOwner",
                [new("OwnerEmail", suspended.Email!), new("Reason", "Their colleague asked")]);

            Assert.Equal(HttpStatusCode.Conflict, added.StatusCode);
            Assert.Equal(HttpStatusCode.Conflict, appointed.StatusCode);
            Assert.Equal(before, await CountsAsync(organization.Id));
        }
    }

    [Fact]
    public async Task A_change_without_the_anti_forgery_token_or_with_an_old_sign_in_changes_nothing()
    {
        var organization = await _console.OrganizationAsync();
        await Members.In(factory.Services).AddAsync(organization.Id, MemberRoles.Owner);
        var path = $"/organizations/{organization.Id}";
        var (browser, _) = await _console.SignedInOperatorAsync();
        var user = await Members.In(factory.Services).AddWithoutOrganizationAsync(isOperator: true);
        var session = await new SignedInUsers(factory.Services).StartSessionAsync(user);
        using var stale = factory.CreateBrowser();
        using (await factory.SignInAsync(stale, SignedInUsers.ClaimsOf(user, session) with { AuthenticatedAt = DateTimeOffset.UtcNow.AddMinutes(-11) }))
        {
        }

        var before = await CountsAsync(organization.Id);
        using (browser)
        {
            using var forged = await browser.PostAsync(new Uri($"{path}?handler=AppointOwner", UriKind.Relative),
                new FormUrlEncodedContent(new Dictionary<string, string> { ["OwnerEmail"] = "x@example.com", ["Reason"] = "r" }));
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }

        using var late = await ConsoleDeliveries.PostFormAsync(stale, path, $"{path}?handler=AppointOwner", [new("OwnerEmail", "late@example.com"), new("Reason", "r")]);
        Assert.Equal(HttpStatusCode.Forbidden, late.StatusCode);
        Assert.Contains("id=\"confirm-signin\"", await late.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await CountsAsync(organization.Id));
    }

    [Fact]
    public async Task A_change_for_an_unknown_organization_is_not_found_and_changes_nothing()
    {
        var (browser, _) = await _console.SignedInOperatorAsync();
        using (browser)
        {
            var known = await _console.OrganizationAsync();
            var token = ConsoleDeliveries.AntiforgeryTokenOf(await browser.GetStringAsync(new Uri($"/organizations/{known.Id}", UriKind.Relative)));
            var before = await CountsAsync(null);
            using var response = await ConsoleDeliveries.PostFormWithTokenAsync(browser, token, $"/organizations/{Guid.NewGuid()}?handler=AddMember",
                [new("MemberEmail", $"ghost.{Guid.NewGuid():N}@example.com"), new("MemberRoleNames", "Admin")]);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(before, await CountsAsync(null));
        }
    }

    private async Task<OrganizationKind> KindOfAsync(Guid organizationId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Organizations.Where(o => o.Id == organizationId).Select(o => o.Kind).SingleAsync();
    }

    /// <summary>Memberships (of the organization, or all), accounts, invitations and audit entries: a refusal changes none.</summary>
    private async Task<(int Memberships, int Users, int Invitations, int Audit)> CountsAsync(Guid? organizationId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        return (await db.Memberships.CountAsync(m => organizationId == null || m.OrganizationId == organizationId),
            await db.Users.CountAsync(), await db.Invitations.CountAsync(), await db.AuditEntries.CountAsync());
    }
}
