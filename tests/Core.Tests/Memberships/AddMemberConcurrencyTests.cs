namespace KeyPortal.Core.Tests.Memberships;

/// <summary>
/// One account per person, also when two organizations invite the same new person at the same
/// moment: the loser of the unique-email race retries and joins the winner's account.
/// </summary>
public abstract class AddMemberConcurrencyTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    private const int Rounds = 5;

    [Fact]
    public async Task SameNewPersonAddedToTwoOrganizationsAtOnce_GetsOneAccountAndTwoMemberships()
    {
        for (var round = 1; round <= Rounds; round++)
        {
            var (first, firstOwner) = await GivenOrganizationWithOwnerAsync();
            var (second, secondOwner) = await GivenOrganizationWithOwnerAsync();
            var email = Unique.Email("shared");

            var outcomes = await RunTogetherAsync(
                scope => scope.Memberships.AddMemberAsync(Actors.Of(firstOwner), first.Id, email, MemberRoles.Admin),
                scope => scope.Memberships.AddMemberAsync(Actors.Of(secondOwner), second.Id, email.ToUpperInvariant(), MemberRoles.Auditor));

            Assert.All(outcomes, o => Assert.True(o.Succeeded, $"Round {round}: refused with {o.Refusal?.Code}."));
            Assert.Equal(1, outcomes.Count(o => o.Value!.IsNewAccount));
            var user = Assert.Single(await LoadUsersByEmailAsync(email));
            Assert.All(outcomes, o => Assert.Equal(user.Id, o.Value!.User.Id));
            Assert.Equal(MemberRoles.Admin, (await LoadMembershipAsync(first.Id, user.Id))?.Roles);
            Assert.Equal(MemberRoles.Auditor, (await LoadMembershipAsync(second.Id, user.Id))?.Roles);
            var entries = await AuditAboutAsync(user.Id);
            Assert.Single(entries, e => e.Action == AuditActions.UserCreated);
            Assert.Equal(2, entries.Count(e => e.Action == AuditActions.MemberAdded));
        }
    }

    [Fact]
    public async Task SamePersonAddedTwiceToOneOrganizationAtOnce_OneSucceedsOneIsADuplicate()
    {
        for (var round = 1; round <= Rounds; round++)
        {
            var (organization, owner) = await GivenOrganizationWithOwnerAsync();
            var email = Unique.Email("twice");

            var outcomes = await RunTogetherAsync(
                scope => scope.Memberships.AddMemberAsync(Actors.Of(owner), organization.Id, email, MemberRoles.Admin),
                scope => scope.Memberships.AddMemberAsync(Actors.Of(owner), organization.Id, email, MemberRoles.Admin));

            Assert.Equal(1, outcomes.Count(o => o.Succeeded));
            Assert.Equal("membership.duplicate", outcomes.Single(o => !o.Succeeded).Refusal?.Code);
            var user = Assert.Single(await LoadUsersByEmailAsync(email));
            Assert.Single(await AuditAboutAsync(user.Id), e => e.Action == AuditActions.MemberAdded);
        }
    }
}

public sealed class AddMemberConcurrencyTestsOnSqlite(SqliteDatabaseFixture fixture)
    : AddMemberConcurrencyTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class AddMemberConcurrencyTestsOnPostgres(PostgresDatabaseFixture fixture)
    : AddMemberConcurrencyTests(fixture), IClassFixture<PostgresDatabaseFixture>;
