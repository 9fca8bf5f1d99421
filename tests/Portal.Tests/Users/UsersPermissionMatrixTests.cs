using System.Net;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Users;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.Portal.Tests.Users;

/// <summary>
/// Every role × every Users-page action over HTTP: allowed ones work, forbidden ones answer 403
/// and change nothing. Expected cells come from SPEC's permission table: members are visible to
/// Owners, Admins and Auditors; changes and the CSV export are for Owners only.
/// </summary>
[Collection(UsersFixture.Collection)]
public sealed class UsersPermissionMatrixTests(UsersFixture fixture)
{
    public enum Actor { Owner, Admin, Auditor, ResellerOnly, DistributorOnly }

    public enum Act { ViewList, ViewDetails, ViewCreateForm, CreateUser, ChangeRoles, ResetUser, ResetPassword, Resend, Remove, ViewAudit, ExportAudit }

    private static readonly HashSet<Act> ViewActs = [Act.ViewList, Act.ViewDetails, Act.ViewAudit];

    public static TheoryData<Actor, Act> Cells()
    {
        var data = new TheoryData<Actor, Act>();
        foreach (var actor in Enum.GetValues<Actor>())
        {
            foreach (var act in Enum.GetValues<Act>())
            {
                data.Add(actor, act);
            }
        }

        return data;
    }

    private static bool Allowed(Actor actor, Act act) =>
        actor == Actor.Owner || (ViewActs.Contains(act) && actor is Actor.Admin or Actor.Auditor);

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Each_role_may_do_exactly_what_the_permission_table_says(Actor actor, Act act)
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        var caller = actor switch
        {
            Actor.Owner => owner,
            Actor.Admin => await fixture.Members.AddAsync(organization.Id, MemberRoles.Admin),
            Actor.Auditor => await fixture.Members.AddAsync(organization.Id, MemberRoles.Auditor),
            Actor.ResellerOnly => await fixture.Members.AddAsync(organization.Id, new MemberRoles(null, ChannelRoles.Reseller)),
            _ => await fixture.Members.AddAsync(organization.Id, new MemberRoles(null, ChannelRoles.Distributor)),
        };
        var state = act == Act.Resend ? UserState.Pending : UserState.Active;
        var target = await fixture.Members.AddAsync(organization.Id, MemberRoles.Auditor, state, password: UsersFixture.Password);
        using var browser = await fixture.SignedInAsync(caller);
        var before = await fixture.SnapshotAsync(organization.Id, target.Id);

        using var response = await PerformAsync(browser, act, target.Id);

        var allowed = Allowed(actor, act);
        var after = await fixture.SnapshotAsync(organization.Id, target.Id);
        if (allowed)
        {
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect, $"{actor} {act}: {(int)response.StatusCode}");
            if (!ViewActs.Contains(act) && act != Act.ViewCreateForm)
            {
                Assert.NotEqual(before, after);
            }
        }
        else
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("id=\"refusal\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(before, after);
        }
    }

    [Fact]
    public async Task Another_organizations_user_ids_are_404_on_every_endpoint_and_change_nothing()
    {
        var (mine, me) = await fixture.OrganizationAsync();
        var (theirs, _) = await fixture.OrganizationAsync();
        var stranger = await fixture.Members.AddAsync(theirs.Id, MemberRoles.Auditor, UserState.Active, password: UsersFixture.Password);
        using var browser = await fixture.SignedInAsync(me);
        var before = await fixture.SnapshotAsync(theirs.Id, stranger.Id);

        foreach (var act in new[] { Act.ViewDetails, Act.ChangeRoles, Act.ResetUser, Act.ResetPassword, Act.Resend, Act.Remove })
        {
            using var response = await PerformAsync(browser, act, stranger.Id);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{act}: {(int)response.StatusCode}");
        }

        var list = await browser.GetStringAsync(new Uri($"/users?q={Uri.EscapeDataString(stranger.Email!)}", UriKind.Relative));
        Assert.DoesNotContain($"data-email=\"{stranger.Email}\"", list, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("id=\"no-users\"", list, StringComparison.Ordinal);
        var audit = await browser.GetStringAsync(new Uri("/audit", UriKind.Relative));
        Assert.DoesNotContain(stranger.Email!, audit, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await fixture.SnapshotAsync(theirs.Id, stranger.Id));
        Assert.NotEqual(mine.Id, theirs.Id);
    }

    [Fact]
    public async Task A_suspended_member_is_signed_out_of_every_page_and_changes_nothing()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        var target = await fixture.Members.AddAsync(organization.Id, MemberRoles.Auditor, UserState.Active, password: UsersFixture.Password);
        using var browser = await fixture.SignedInAsync(owner);
        await fixture.Users.TransitionAsync(owner, UserState.Suspended);
        var before = await fixture.SnapshotAsync(organization.Id, target.Id);

        foreach (var act in new[] { Act.ViewList, Act.ViewDetails, Act.ViewAudit, Act.ExportAudit })
        {
            // No page of the app opens for them any more, so the export is posted as it stood.
            using var response = act == Act.ExportAudit
                ? await browser.PostAsync(new Uri("/audit?handler=Export", UriKind.Relative), new FormUrlEncodedContent([]))
                : await PerformAsync(browser, act, target.Id);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("http://localhost:5000/connect/authorize", response.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        }

        using var post = await browser.PostAsync(new Uri($"/users/{target.Id}?handler=Remove", UriKind.Relative), new FormUrlEncodedContent([]));
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal(before, await fixture.SnapshotAsync(organization.Id, target.Id));
    }

    [Fact]
    public async Task Posts_without_the_anti_forgery_token_are_refused()
    {
        var (organization, owner) = await fixture.OrganizationAsync();
        var target = await fixture.Members.AddAsync(organization.Id, MemberRoles.Auditor, UserState.Active, password: UsersFixture.Password);
        using var browser = await fixture.SignedInAsync(owner);
        var before = await fixture.SnapshotAsync(organization.Id, target.Id);

        foreach (var handler in new[] { "Roles", "Reset", "ResetPassword", "Remove" })
        {
            using var response = await browser.PostAsync(new Uri($"/users/{target.Id}?handler={handler}", UriKind.Relative),
                new FormUrlEncodedContent(new Dictionary<string, string> { ["OrganizationRoleInput"] = "Admin" }));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        using var create = await browser.PostAsync(new Uri("/users/new", UriKind.Relative),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Email"] = "x@example.com", ["Role"] = "Auditor" }));
        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        Assert.Equal(before, await fixture.SnapshotAsync(organization.Id, target.Id));
    }

    internal static Task<HttpResponseMessage> PerformAsync(HttpClient browser, Act act, Guid target) => act switch
    {
        Act.ViewList => browser.GetAsync(new Uri("/users", UriKind.Relative)),
        Act.ViewDetails => browser.GetAsync(new Uri($"/users/{target}", UriKind.Relative)),
        Act.ViewCreateForm => browser.GetAsync(new Uri("/users/new", UriKind.Relative)),
        Act.CreateUser => UsersFixture.PostAsync(browser, "/users/new", new Dictionary<string, string> { ["Email"] = $"new.{Guid.NewGuid():N}@example.com", ["Role"] = "Auditor" }),
        Act.ChangeRoles => UsersFixture.PostAsync(browser, $"/users/{target}?handler=Roles", new Dictionary<string, string> { ["OrganizationRoleInput"] = "Admin" }),
        Act.ResetUser => UsersFixture.PostAsync(browser, $"/users/{target}?handler=Reset"),
        Act.ResetPassword => UsersFixture.PostAsync(browser, $"/users/{target}?handler=ResetPassword"),
        Act.Resend => UsersFixture.PostAsync(browser, $"/users/{target}?handler=Resend"),
        Act.Remove => UsersFixture.PostAsync(browser, $"/users/{target}?handler=Remove"),
        Act.ViewAudit => browser.GetAsync(new Uri("/audit", UriKind.Relative)),
        _ => UsersFixture.PostAsync(browser, "/audit?handler=Export"),
    };
}
