namespace KeyPortal.Core.Tests.Users;

public abstract class UserAccountServiceTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    [Fact]
    public async Task Suspending_emails_every_owner_of_each_of_the_users_organizations_but_not_the_user()
    {
        var (first, firstOwner) = await GivenOrganizationWithOwnerAsync();
        var secondOwner = await Members.AddAsync(first.Id, MemberRoles.Owner);
        var (other, otherOwner) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(first.Id, MemberRoles.Admin);
        await using (var add = OpenScope())
        {
            await add.Memberships.AddMemberAsync(Actors.Operator, other.Id, member.Email!, MemberRoles.Owner);
        }

        await using var scope = OpenScope();
        await scope.Accounts.SuspendAsync(Actors.Operator, member.Id, "fraud");

        var sent = scope.Mail.Sent;
        Assert.Equal(
            new[] { firstOwner.Email, secondOwner.Email, otherOwner.Email }.Order(StringComparer.Ordinal),
            sent.Select(m => m.To).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(sent, m => m.To == member.Email);
        Assert.All(sent, m => Assert.Contains(member.Email!, m.Subject, StringComparison.Ordinal));
        Assert.Contains(sent, m => m.To == otherOwner.Email && m.Subject.EndsWith(other.Name, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(UserState.Pending)]
    [InlineData(UserState.ActiveDemo)]
    [InlineData(UserState.Active)]
    [InlineData(UserState.Reset)]
    public async Task SuspendThenLift_RestoresTheEarlierStateAndKeepsMemberships(UserState earlier)
    {
        var (organization, _) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Admin, earlier);
        var auditBefore = await LastAuditIdAsync();

        await using (var scope = OpenScope())
        {
            await scope.Accounts.SuspendAsync(Actors.Operator, member.Id, "compromised laptop");
        }

        var suspended = await LoadUserAsync(member.Id);
        Assert.Equal(UserState.Suspended, suspended.State);
        Assert.Equal(earlier, suspended.StateBeforeSuspension);
        Assert.NotEqual(member.SecurityStamp, suspended.SecurityStamp);
        Assert.NotNull(await LoadMembershipAsync(organization.Id, member.Id));

        await using (var scope = OpenScope())
        {
            await scope.Accounts.LiftSuspensionAsync(Actors.Operator, member.Id);
        }

        var lifted = await LoadUserAsync(member.Id);
        Assert.Equal(earlier, lifted.State);
        Assert.Null(lifted.StateBeforeSuspension);
        Assert.Equal(MemberRoles.Admin, (await LoadMembershipAsync(organization.Id, member.Id))?.Roles);

        var entries = await AuditAboutAsync(member.Id, auditBefore);
        Assert.Equal(new[] { AuditActions.UserStateChanged, AuditActions.UserStateChanged }, entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(Actors.Operator.UserId, e.ActorUserId));
        Assert.Equal("compromised laptop", DetailOf(entries[0], "reason"));
        Assert.Equal(nameof(UserState.Suspended), DetailOf(entries[1], "from"));
        Assert.Equal(earlier.ToString(), DetailOf(entries[1], "to"));
    }

    [Fact]
    public async Task ChangeState_UnknownUser_IsRefused()
    {
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("user.not_found",
            () => scope.Accounts.ChangeStateAsync(Actors.Operator, Guid.NewGuid(), _ => UserState.Active, "activation"));
    }

    [Fact]
    public async Task ChangeState_IllegalMove_IsRefusedAndNotAudited()
    {
        var (organization, _) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Auditor, UserState.Active);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("user.illegal_transition",
            () => scope.Accounts.ChangeStateAsync(Actors.Operator, member.Id, _ => UserState.Pending, "re-invite"));
    }

    [Fact]
    public async Task ChangeState_ToDeactivated_IsRefusedBecauseOnlyRemovalDeactivates()
    {
        var (organization, owner) = await GivenOrganizationWithOwnerAsync();
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("user.illegal_transition",
            () => scope.Accounts.ChangeStateAsync(Actors.Operator, owner.Id, _ => UserState.Deactivated, "leaving"));
        Assert.Equal(1, await CountOwnersAsync(organization.Id));
    }

    [Fact]
    public async Task Suspend_AlreadySuspended_IsRefused()
    {
        var (organization, _) = await GivenOrganizationWithOwnerAsync();
        var member = await Members.AddAsync(organization.Id, MemberRoles.Auditor, UserState.Suspended);
        await using var scope = OpenScope();

        await AssertRefusedAndUnchangedAsync("user.illegal_transition",
            () => scope.Accounts.SuspendAsync(Actors.Operator, member.Id, "again"));
    }
}

public sealed class UserAccountServiceTestsOnSqlite(SqliteDatabaseFixture fixture)
    : UserAccountServiceTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class UserAccountServiceTestsOnPostgres(PostgresDatabaseFixture fixture)
    : UserAccountServiceTests(fixture), IClassFixture<PostgresDatabaseFixture>;
