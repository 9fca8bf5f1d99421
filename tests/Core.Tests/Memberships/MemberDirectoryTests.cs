using Microsoft.AspNetCore.Identity;

namespace KeyPortal.Core.Tests.Memberships;

/// <summary>The Users page's query: its copy of user fields follows every change, and filters, sorts and pages in the database.</summary>
public abstract class MemberDirectoryTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    [Fact]
    public async Task The_copied_email_state_and_last_login_follow_the_user_row()
    {
        var (organization, _) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Auditor, UserState.Pending, "Follow.Me@Example.com");

        Assert.Equal((UserState.Pending, (DateTimeOffset?)DateTimeOffset.MinValue), await CopyAsync(member.Id));
        await using (var db = Database.CreateContext())
        {
            var user = await db.Users.SingleAsync(u => u.Id == member.Id);
            user.TransitionTo(UserState.Active, Clock.GetUtcNow());
            user.LastLoginAt = Clock.GetUtcNow();
            await db.SaveChangesAsync();
        }

        Assert.Equal((UserState.Active, (DateTimeOffset?)Clock.GetUtcNow()), await CopyAsync(member.Id));
        var page = await ListAsync(organization.Id, new MemberQuery(EmailPrefix: "follow.me"));
        var row = Assert.Single(page.Rows);
        Assert.Equal("Follow.Me@Example.com", row.Email);
        Assert.Equal(UserState.Active, row.State);
    }

    [Fact]
    public async Task Filters_sorts_and_pages_within_the_organization_only()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var (other, _) = await GivenOrganizationWithOwnerAsync();
        var prefix = $"m{Guid.NewGuid():N}"[..10];
        for (var i = 0; i < 7; i++)
        {
            await Members.AddAsync(organization.Id, i < 2 ? MemberRoles.Admin : MemberRoles.Auditor, i == 6 ? UserState.Suspended : UserState.Active, $"{prefix}{i}@example.com");
        }

        await Members.AddAsync(other.Id, MemberRoles.Admin, UserState.Active, $"{prefix}9@example.com");

        var all = await ListAsync(organization.Id, new MemberQuery(PageSize: 3));
        Assert.Equal(8, all.Total);
        Assert.Equal(3, all.Pages);
        Assert.Equal(3, all.Rows.Count);
        var byPrefix = await ListAsync(organization.Id, new MemberQuery(EmailPrefix: prefix.ToUpperInvariant(), PageSize: 3, Page: 3));
        Assert.Equal(7, byPrefix.Total);
        Assert.Equal([$"{prefix}6@example.com"], byPrefix.Rows.Select(r => r.Email));
        var descending = await ListAsync(organization.Id, new MemberQuery(EmailPrefix: prefix, Sort: MemberSort.EmailDescending));
        Assert.Equal(Enumerable.Range(0, 7).Reverse().Select(i => $"{prefix}{i}@example.com"), descending.Rows.Select(r => r.Email));
        Assert.Equal(2, (await ListAsync(organization.Id, new MemberQuery(Role: OrganizationRole.Admin))).Total);
        var suspended = await ListAsync(organization.Id, new MemberQuery(State: UserState.Suspended));
        Assert.Equal([$"{prefix}6@example.com"], suspended.Rows.Select(r => r.Email));
        Assert.DoesNotContain((await ListAsync(organization.Id, new MemberQuery(EmailPrefix: prefix))).Rows, r => r.Email.StartsWith($"{prefix}9", StringComparison.Ordinal));
        var beyond = await ListAsync(organization.Id, new MemberQuery(Page: 99, PageSize: 3));
        Assert.Equal(3, beyond.Page);
        Assert.Contains(all.Rows.Concat(beyond.Rows), r => r.UserId == owner.Id || r.Email.StartsWith(prefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Last_login_sorts_with_never_signed_in_members_last_when_descending()
    {
        var (organization, _) = await GivenOrganizationWithOwnerAsync();
        var early = await Members.AddAsync(organization.Id, MemberRoles.Auditor);
        var late = await Members.AddAsync(organization.Id, MemberRoles.Auditor);
        await using (var db = Database.CreateContext())
        {
            (await db.Users.SingleAsync(u => u.Id == early.Id)).LastLoginAt = Clock.GetUtcNow().AddDays(-2);
            (await db.Users.SingleAsync(u => u.Id == late.Id)).LastLoginAt = Clock.GetUtcNow().AddDays(-1);
            await db.SaveChangesAsync();
        }

        var page = await ListAsync(organization.Id, new MemberQuery(Sort: MemberSort.LastLoginDescending));

        Assert.Equal([late.Id, early.Id], page.Rows.Take(2).Select(r => r.UserId));
    }

    [Theory]
    [InlineData(MemberSort.Email)]
    [InlineData(MemberSort.EmailDescending)]
    [InlineData(MemberSort.LastLogin)]
    [InlineData(MemberSort.LastLoginDescending)]
    public async Task Paging_through_every_page_lists_each_member_once_in_order_from_either_end(MemberSort sort)
    {
        // 11 members in pages of 3: pages 1-2 are read from the start, 3-4 from the end (the last one short).
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        var members = new List<User> { owner };
        for (var i = 0; i < 10; i++)
        {
            members.Add(await Members.AddAsync(organization.Id, MemberRoles.Auditor));
        }

        await using (var db = Database.CreateContext())
        {
            // Three share "never" (the owner and two more), two share one time: ties break by email.
            var stamps = new int?[] { null, null, null, -5, -5, -1, -9, -3, -7, -2, -4 }
                .Select(d => d is { } days ? Clock.GetUtcNow().AddDays(days) : (DateTimeOffset?)null).ToArray();
            for (var i = 0; i < members.Count; i++)
            {
                (await db.Users.SingleAsync(u => u.Id == members[i].Id)).LastLoginAt = stamps[i];
                members[i].LastLoginAt = stamps[i];
            }

            await db.SaveChangesAsync();
        }

        var byEmail = members.OrderBy(m => m.NormalizedEmail, StringComparer.Ordinal);
        var byLogin = members.OrderBy(m => m.LastLoginAt ?? DateTimeOffset.MinValue).ThenBy(m => m.NormalizedEmail, StringComparer.Ordinal);
        var expected = (sort switch
        {
            MemberSort.Email => byEmail,
            MemberSort.EmailDescending => byEmail.Reverse(),
            MemberSort.LastLogin => byLogin,
            _ => byLogin.Reverse(),
        }).Select(m => m.Id).ToList();

        var listed = new List<Guid>();
        for (var page = 1; page <= 4; page++)
        {
            var result = await ListAsync(organization.Id, new MemberQuery(Sort: sort, Page: page, PageSize: 3));
            Assert.Equal((11, 4, page), (result.Total, result.Pages, result.Page));
            Assert.Equal(page < 4 ? 3 : 2, result.Rows.Count);
            listed.AddRange(result.Rows.Select(r => r.UserId));
        }

        Assert.Equal(expected, listed);
    }

    private async Task<MemberPage> ListAsync(Guid organizationId, MemberQuery query)
    {
        await using var db = Database.CreateContext();
        return await new MemberDirectory(db, new UpperInvariantLookupNormalizer()).ListAsync(organizationId, query);
    }

    private async Task<(UserState?, DateTimeOffset?)> CopyAsync(Guid userId)
    {
        await using var db = Database.CreateContext();
        var copy = await db.Memberships.Where(m => m.UserId == userId)
            .Select(m => new { State = EF.Property<UserState?>(m, MemberDirectoryColumns.State), Login = EF.Property<DateTimeOffset?>(m, MemberDirectoryColumns.LastLoginAt) })
            .SingleAsync();
        return (copy.State, copy.Login);
    }
}

public sealed class MemberDirectoryTestsOnSqlite(SqliteDatabaseFixture fixture)
    : MemberDirectoryTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class MemberDirectoryTestsOnPostgres(PostgresDatabaseFixture fixture)
    : MemberDirectoryTests(fixture), IClassFixture<PostgresDatabaseFixture>;
