using System.Net;
using System.Text.RegularExpressions;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Invitations;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.Portal.Tests.Users;

/// <summary>
/// An Owner of one organization must never reach an account another organization relies on:
/// typing its address in Create user invites it (it joins only by accepting), and resets of
/// people who belong elsewhere (or of the vendor's staff) are refused.
/// </summary>
[Collection(UsersFixture.Collection)]
public sealed partial class AccountIsolationTests(UsersFixture fixture)
{
    [Fact]
    public async Task Create_user_with_another_organizations_owner_adds_nothing_and_answers_as_for_a_new_person()
    {
        var (mine, attacker) = await fixture.OrganizationAsync();
        var (theirs, victim) = await fixture.OrganizationAsync();
        var before = await fixture.SnapshotAsync(theirs.Id, victim.Id);
        using var browser = await fixture.SignedInAsync(attacker);

        using var existing = await CreateUserAsync(browser, victim.Email!);
        using var fresh = await CreateUserAsync(browser, "brand.new." + Guid.NewGuid().ToString("N") + "@example.com");

        Assert.Equal(HttpStatusCode.OK, existing.StatusCode);
        Assert.Equal(fresh.StatusCode, existing.StatusCode);
        Assert.Equal(Normalize(await fresh.Content.ReadAsStringAsync()), Normalize(await existing.Content.ReadAsStringAsync()));

        // No membership: the account is out of the attacker's reach.
        Assert.Null(await fixture.WithDbAsync(db => db.Memberships.SingleOrDefaultAsync(m => m.OrganizationId == mine.Id && m.UserId == victim.Id)));
        using var details = await browser.GetAsync(new Uri($"/users/{victim.Id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, details.StatusCode);
        using var reset = await UsersFixture.PostAsync(browser, $"/users/{victim.Id}?handler=Reset");
        Assert.Equal(HttpStatusCode.NotFound, reset.StatusCode);
        var after = await fixture.SnapshotAsync(theirs.Id, victim.Id);
        Assert.Equal(before.Split('|')[..4], after.Split('|')[..4]);
        Assert.Equal(UserState.Active, (await fixture.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == victim.Id))).State);
    }

    [Fact]
    public async Task An_invited_account_joins_only_by_accepting_and_then_cannot_be_reset_by_an_owner_of_one_of_its_organizations()
    {
        var (mine, owner) = await fixture.OrganizationAsync();
        var (_, invitee) = await fixture.OrganizationAsync();
        using var ownerBrowser = await fixture.SignedInAsync(owner);
        using var created = await CreateUserAsync(ownerBrowser, invitee.Email!);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);

        // Owners see the open invitation; the invitee sees a banner and the invitation.
        var users = await ownerBrowser.GetStringAsync(new Uri("/users", UriKind.Relative));
        Assert.Contains($"data-testid=\"invitation-row\" data-email=\"{invitee.Email}\"", users, StringComparison.Ordinal);
        using var inviteeBrowser = await fixture.SignedInAsync(invitee);
        var home = await inviteeBrowser.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("id=\"invitations-banner\"", home, StringComparison.Ordinal);
        var invitationId = await fixture.WithDbAsync(db => db.Invitations
            .Where(i => i.UserId == invitee.Id && i.OrganizationId == mine.Id && i.Purpose == InvitationPurpose.Membership).Select(i => i.Id).SingleAsync());

        // Somebody else cannot accept it for them.
        var (_, stranger) = await fixture.OrganizationAsync();
        using var strangerBrowser = await fixture.SignedInAsync(stranger);
        using var stolen = await PostOnAsync(strangerBrowser, "/invitations", "Accept", invitationId);
        Assert.Equal(HttpStatusCode.NotFound, stolen.StatusCode);
        Assert.False(await fixture.WithDbAsync(db => db.Memberships.AnyAsync(m => m.OrganizationId == mine.Id && m.UserId == stranger.Id)));

        using var accepted = await PostOnAsync(inviteeBrowser, "/invitations", "Accept", invitationId);
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        var membership = await fixture.WithDbAsync(db => db.Memberships.AsNoTracking().SingleAsync(m => m.OrganizationId == mine.Id && m.UserId == invitee.Id));
        Assert.Equal(OrganizationRole.Auditor, membership.OrganizationRole);

        // A member of another organization too: only the vendor resets the account.
        var page = await ownerBrowser.GetStringAsync(new Uri($"/users/{invitee.Id}", UriKind.Relative));
        Assert.Contains("id=\"reset-needs-vendor\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"reset-user\"", page, StringComparison.Ordinal);
        var before = await fixture.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == invitee.Id));
        using var reset = await PostOnAsync(ownerBrowser, $"/users/{invitee.Id}", "Reset");
        Assert.Equal(HttpStatusCode.Forbidden, reset.StatusCode);
        var after = await fixture.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == invitee.Id));
        Assert.Equal((UserState.Active, before.SecurityStamp), (after.State, after.SecurityStamp));
    }

    [Fact]
    public async Task An_owner_withdraws_an_open_invitation_and_it_can_no_longer_be_accepted()
    {
        var (mine, owner) = await fixture.OrganizationAsync();
        var (_, invitee) = await fixture.OrganizationAsync();
        using var ownerBrowser = await fixture.SignedInAsync(owner);
        using var created = await CreateUserAsync(ownerBrowser, invitee.Email!);
        var invitationId = await fixture.WithDbAsync(db => db.Invitations
            .Where(i => i.UserId == invitee.Id && i.OrganizationId == mine.Id && i.Purpose == InvitationPurpose.Membership).Select(i => i.Id).SingleAsync());

        using var withdrawn = await PostOnAsync(ownerBrowser, "/users", "Withdraw", invitationId);
        Assert.Equal(HttpStatusCode.Redirect, withdrawn.StatusCode);
        using var inviteeBrowser = await fixture.SignedInAsync(invitee);
        using var accepted = await PostOnAsync(inviteeBrowser, "/invitations", "Accept", invitationId);
        Assert.Equal(HttpStatusCode.NotFound, accepted.StatusCode);
        Assert.False(await fixture.WithDbAsync(db => db.Memberships.AnyAsync(m => m.OrganizationId == mine.Id && m.UserId == invitee.Id)));
        Assert.True(await fixture.WithDbAsync(db => db.AuditEntries.AnyAsync(a => a.Action == AuditActions.MemberInvitationWithdrawn && a.TargetUserId == invitee.Id)));
    }

    [Fact]
    public async Task A_members_page_never_shows_that_the_vendor_made_them_an_operator()
    {
        var (mine, owner) = await fixture.OrganizationAsync();
        var member = await fixture.Members.AddAsync(mine.Id, MemberRoles.Auditor);
        await fixture.WithDbAsync(async db =>
        {
            // What the operator-link command records: the system, no organization.
            new AuditTrail(db, TimeProvider.System).Record(AuditActor.System, AuditActions.OperatorGranted, null, member.Id, new { by = "operator-link command" });
            return await db.SaveChangesAsync();
        });
        using var ownerBrowser = await fixture.SignedInAsync(owner);

        var page = await ownerBrowser.GetStringAsync(new Uri($"/users/{member.Id}", UriKind.Relative));

        Assert.Contains(AuditActions.MemberAdded, page, StringComparison.Ordinal);
        Assert.DoesNotContain(AuditActions.OperatorGranted, page, StringComparison.Ordinal);
        Assert.DoesNotContain("operator-link", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_platform_operator_who_joined_is_never_reset_or_removed_by_an_owner()
    {
        var (mine, owner) = await fixture.OrganizationAsync();
        var operatorAccount = await fixture.Members.AddAsync(mine.Id, MemberRoles.Auditor);
        await fixture.WithDbAsync(async db =>
        {
            var user = await db.Users.SingleAsync(u => u.Id == operatorAccount.Id);
            user.IsPlatformOperator = true;
            return await db.SaveChangesAsync();
        });
        using var ownerBrowser = await fixture.SignedInAsync(owner);

        using var reset = await PostOnAsync(ownerBrowser, $"/users/{operatorAccount.Id}", "Reset");
        Assert.Equal(HttpStatusCode.Forbidden, reset.StatusCode);
        using var removed = await PostOnAsync(ownerBrowser, $"/users/{operatorAccount.Id}", "Remove");
        Assert.Equal(HttpStatusCode.Forbidden, removed.StatusCode);
        Assert.True(await fixture.WithDbAsync(db => db.Memberships.AnyAsync(m => m.OrganizationId == mine.Id && m.UserId == operatorAccount.Id)));
        Assert.Equal(UserState.Active, (await fixture.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == operatorAccount.Id))).State);
    }

    [Fact]
    public async Task Someone_with_no_organization_yet_signs_in_sees_only_the_invitation_and_joins_by_accepting()
    {
        var (mine, owner) = await fixture.OrganizationAsync();
        var (elsewhere, _) = await fixture.OrganizationAsync();
        var loner = await fixture.Members.AddAsync(elsewhere.Id, MemberRoles.Auditor);
        await fixture.WithDbAsync(db => db.Memberships.Where(m => m.UserId == loner.Id).ExecuteDeleteAsync());
        using var ownerBrowser = await fixture.SignedInAsync(owner);
        using (await CreateUserAsync(ownerBrowser, loner.Email!))
        {
        }

        using var browser = await fixture.SignedInAsync(loner);
        using var home = await browser.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("id=\"invitations-banner\"", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var users = await browser.GetAsync(new Uri("/users", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
        var invitations = await browser.GetStringAsync(new Uri("/invitations", UriKind.Relative));
        Assert.Contains($"data-organization=\"{mine.Name}\"", invitations, StringComparison.Ordinal);

        var invitationId = await fixture.WithDbAsync(db => db.Invitations
            .Where(i => i.UserId == loner.Id && i.Purpose == InvitationPurpose.Membership).Select(i => i.Id).SingleAsync());
        using var accepted = await PostOnAsync(browser, "/invitations", "Accept", invitationId);
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        Assert.Contains($"data-testid=\"current-organization\">{mine.Name}<", await browser.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Joining_another_organization_does_not_move_the_current_one()
    {
        var (working, person) = await fixture.OrganizationAsync();
        using var browser = await fixture.SignedInAsync(person);
        Assert.Contains($"data-testid=\"current-organization\">{working.Name}<", await browser.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);

        // An organization whose name sorts first.
        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            var first = await scope.ServiceProvider.GetRequiredService<OrganizationService>()
                .CreateAsync(AuditActor.System, "AAA First By Name", $"aaa-{Guid.NewGuid():N}"[..20], OrganizationKind.Customer);
            await fixture.AddAsync(first.Id, person, MemberRoles.Auditor);
        }

        Assert.Contains($"data-testid=\"current-organization\">{working.Name}<", await browser.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> CreateUserAsync(HttpClient browser, string email) =>
        UsersFixture.PostAsync(browser, "/users/new", new Dictionary<string, string> { ["Email"] = email, ["Role"] = "Auditor" });

    private static Task<HttpResponseMessage> PostOnAsync(HttpClient browser, string path, string handler, Guid? invitationId = null) =>
        UsersFixture.PostAsync(browser, $"{path}?handler={handler}",
            invitationId is { } id ? new Dictionary<string, string> { ["InvitationId"] = id.ToString() } : null);

    // The two pages may differ only in the anti-forgery token and the address typed.
    private static string Normalize(string html) =>
        EmailPattern().Replace(TokenPattern().Replace(html, "TOKEN"), "EMAIL");

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]+\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@example\.com")]
    private static partial Regex EmailPattern();
}
