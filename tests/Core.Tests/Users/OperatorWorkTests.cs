using Microsoft.AspNetCore.Identity;

namespace KeyPortal.Core.Tests.Users;

/// <summary>
/// What only the vendor's staff do, on a real database: suspension's refusals, organization
/// kinds with their rules, the search of every account by email prefix, the platform audit trail.
/// </summary>
public abstract class OperatorWorkTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    private UserDirectory Directory(CoreScope scope) =>
        new(scope.Db, new UpperInvariantLookupNormalizer(), Clock, KeyPortal.Core.Passkeys.AuthenticatorCatalog.LoadEmbedded());

    [Fact]
    public async Task Suspension_by_someone_who_is_not_an_operator_is_refused_and_changes_nothing()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("operator.required", () => scope.Accounts.SuspendAsync(Actors.Of(owner), member.Id, "I do not like them"));
        Assert.Empty(scope.Mail.Sent);
    }

    [Fact]
    public async Task Somebody_not_signed_in_never_acts_as_an_operator()
    {
        var (organization, _) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("operator.required",
            () => scope.Accounts.SuspendAsync(new AuditActor(null, "anonymous", "203.0.113.9"), member.Id, "no reason to trust"));
        await AssertRefusedAndUnchangedAsync("operator.required",
            () => scope.Organizations.ChangeKindAsync(new AuditActor(null, "single sign-on", null), organization.Id, OrganizationKind.Reseller | OrganizationKind.Customer));
        Assert.True(new AuditActor(null, "client:console-automation", null).IsInstallation);
        Assert.True(AuditActor.System.IsInstallation);
    }

    [Fact]
    public async Task Suspending_oneself_or_another_operator_is_refused()
    {
        var colleague = await Members.AddWithoutOrganizationAsync(isOperator: true);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("user.suspend_self", () => scope.Accounts.SuspendAsync(Actors.Operator, Actors.Operator.UserId!.Value, "testing"));
        await AssertRefusedAndUnchangedAsync("user.suspend_operator", () => scope.Accounts.SuspendAsync(Actors.Operator, colleague.Id, "testing"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("two\nlines")]
    public async Task Suspension_without_a_reason_on_one_line_is_refused(string reason)
    {
        var (organization, _) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Admin);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("reason.required", () => scope.Accounts.SuspendAsync(Actors.Operator, member.Id, reason));
        await AssertRefusedAndUnchangedAsync("reason.required", () => scope.Accounts.SuspendAsync(Actors.Operator, member.Id, new string('x', UserAccountService.MaxReasonLength + 1)));
    }

    [Fact]
    public async Task Lifting_by_someone_who_is_not_an_operator_is_refused()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Admin, UserState.Suspended);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("operator.required", () => scope.Accounts.LiftSuspensionAsync(Actors.Of(owner), member.Id));
    }

    [Fact]
    public async Task Kinds_change_under_their_rules_and_each_change_is_audited()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        await using (var scope = OpenScope())
        {
            await AssertRefusedAndUnchangedAsync("operator.required",
                () => scope.Organizations.ChangeKindAsync(Actors.Of(owner), organization.Id, OrganizationKind.Customer | OrganizationKind.Reseller));
            Assert.True(await scope.Organizations.ChangeKindAsync(Actors.Operator, organization.Id, OrganizationKind.Customer | OrganizationKind.Distributor));
        }

        await using (var scope = OpenScope())
        {
            Assert.False(await scope.Organizations.ChangeKindAsync(Actors.Operator, organization.Id, OrganizationKind.Customer | OrganizationKind.Distributor));
        }

        await Members.AddAsync(organization.Id, new MemberRoles(null, ChannelRoles.Distributor));
        await using (var scope = OpenScope())
        {
            await AssertRefusedAndUnchangedAsync("organization.kind_in_use",
                () => scope.Organizations.ChangeKindAsync(Actors.Operator, organization.Id, OrganizationKind.Customer));
            await AssertRefusedAndUnchangedAsync("organization.kind_empty",
                () => scope.Organizations.ChangeKindAsync(Actors.Operator, organization.Id, OrganizationKind.None));
        }

        var changes = (await AuditOfOrganizationAsync(organization.Id)).Where(a => a.Action == AuditActions.OrganizationKindChanged).ToList();
        var change = Assert.Single(changes);
        Assert.Equal(Actors.Operator.Name, change.Actor);
    }

    [Fact]
    public async Task A_reseller_without_an_owner_cannot_become_a_customer()
    {
        var reseller = await GivenOrganizationAsync(OrganizationKind.Reseller);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("organization.customer_needs_owner",
            () => scope.Organizations.ChangeKindAsync(Actors.Operator, reseller.Id, OrganizationKind.Reseller | OrganizationKind.Customer));
    }

    [Fact]
    public async Task An_unknown_organization_is_not_found()
    {
        await using var scope = OpenScope();
        await AssertRefusedAndUnchangedAsync("organization.not_found",
            () => scope.Organizations.ChangeKindAsync(Actors.Operator, Guid.NewGuid(), OrganizationKind.Customer));
    }

    [Fact]
    public async Task The_search_matches_the_prefix_literally_in_byte_order_and_pages_without_overlap()
    {
        var stem = $"s{Guid.NewGuid():N}"[..12];
        // Characters LIKE would treat as wildcards, and letters whose order differs between collations.
        string[] locals = ["a", "B", "b_c", "b%d", "Z", "zz", "é"];
        foreach (var local in locals)
        {
            await Members.AddAsync(null, MemberRoles.Owner, email: $"{stem}{local}@example.com");
        }

        await Members.AddAsync(null, MemberRoles.Owner, email: $"{stem[..^1]}@example.com");
        await using var scope = OpenScope();
        var directory = Directory(scope);

        var all = new List<string>();
        string? after = null;
        do
        {
            var page = await directory.SearchAsync(stem, after, limit: 3);
            Assert.InRange(page.Rows.Count, 1, 3);
            all.AddRange(page.Rows.Select(r => r.Email));
            after = page.Next;
        }
        while (after is not null);

        var expected = locals.Select(l => $"{stem}{l}@example.com").OrderBy(e => e.ToUpperInvariant(), StringComparer.Ordinal).ToList();
        Assert.Equal(expected, all);
        Assert.Equal([$"{stem}b%d@example.com"], (await directory.SearchAsync($"{stem}b%", null, null)).Rows.Select(r => r.Email));
        Assert.Equal([$"{stem}b_c@example.com"], (await directory.SearchAsync($"{stem}B_", null, null)).Rows.Select(r => r.Email));
        await DomainAssert.RefusedAsync("page.cursor_invalid", () => directory.SearchAsync(stem, "%%%", null));
        await DomainAssert.RefusedAsync("page.limit_invalid", () => directory.SearchAsync(stem, null, UserDirectory.MaxLimit + 1));
    }

    [Fact]
    public async Task A_profile_has_every_membership_and_an_unknown_account_is_not_found()
    {
        var (first, _) = await GivenOrganizationWithOwnerAsync();
        var (second, _) = await GivenOrganizationWithOwnerAsync();
        var person = await Members.AddAsync(first.Id, MemberRoles.Admin);
        await Members.AddAsync(second.Id, MemberRoles.Owner, email: person.Email);
        await using var scope = OpenScope();

        var profile = await Directory(scope).GetAsync(person.Id);

        Assert.Equal(person.Email, profile.Email);
        Assert.Equal(new[] { first.Id, second.Id }.Order(), profile.Memberships.Select(m => m.OrganizationId).Order());
        Assert.Contains(profile.Memberships, m => m.OrganizationId == second.Id && m.Roles.IsOwner);
        await DomainAssert.RefusedAsync("user.not_found", () => Directory(scope).GetAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task The_platform_trail_filters_by_organization_target_action_and_time_and_pages_back()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var (other, _) = await GivenOrganizationWithOwnerAsync();
        for (var i = 0; i < 7; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            await Members.AddAsync(organization.Id, MemberRoles.Auditor);
        }

        await using var scope = OpenScope();
        var log = new PlatformAuditLog(scope.Db);
        var added = new AuditFilter(OrganizationId: organization.Id, ActionPrefix: "member.added");

        var seen = new List<AuditRecord>();
        string? before = null;
        do
        {
            var page = await log.PageAsync(added, before, limit: 3);
            seen.AddRange(page.Entries);
            before = page.Next;
        }
        while (before is not null);

        Assert.Equal(8, seen.Count);
        Assert.All(seen, e => Assert.Equal((organization.Id, "member.added", organization.Slug), (e.OrganizationId!.Value, e.Action, e.OrganizationSlug)));
        Assert.Equal(seen.OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id).Select(e => e.Id), seen.Select(e => e.Id));
        Assert.Equal(seen.Count, seen.Select(e => e.Id).Distinct().Count());

        var aboutOwner = await log.PageAsync(new AuditFilter(TargetUserId: owner.Id), null, null);
        Assert.All(aboutOwner.Entries, e => Assert.Equal(owner.Email, e.TargetEmail));
        Assert.NotEmpty(aboutOwner.Entries);
        Assert.DoesNotContain((await log.PageAsync(added, null, PlatformAuditLog.MaxLimit)).Entries, e => e.OrganizationId == other.Id);

        var late = seen[2].OccurredAt;
        var recent = await log.PageAsync(added with { From = late }, null, null);
        Assert.All(recent.Entries, e => Assert.True(e.OccurredAt >= late));
        Assert.Equal(seen.Count(e => e.OccurredAt >= late), recent.Entries.Count);

        await DomainAssert.RefusedAsync("audit.filter_invalid", () => log.PageAsync(added with { From = late, To = late }, null, null));
        await DomainAssert.RefusedAsync("audit.filter_invalid", () => log.PageAsync(new AuditFilter(ActionPrefix: new string('a', 65)), null, null));
        await DomainAssert.RefusedAsync("page.cursor_invalid", () => log.PageAsync(added, "yesterday", null));
    }
}

public sealed class OperatorWorkTestsOnSqlite(SqliteDatabaseFixture fixture)
    : OperatorWorkTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class OperatorWorkTestsOnPostgres(PostgresDatabaseFixture fixture)
    : OperatorWorkTests(fixture), IClassFixture<PostgresDatabaseFixture>;
