namespace KeyPortal.Core.Tests.Memberships;

/// <summary>
/// Removing a person's last membership deactivates the account; adding them elsewhere at the
/// same moment must not leave a Deactivated member. Both take the user's row lock.
/// </summary>
public abstract class RemoveAddConcurrencyTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    private const int Rounds = 10;

    [Fact]
    public async Task RemovingTheLastMembershipWhileAnotherOrganizationAddsThePerson_NeverLeavesADeactivatedMember()
    {
        for (var round = 1; round <= Rounds; round++)
        {
            var (first, firstOwner) = await GivenOrganizationWithOwnerAsync();
            var (second, _) = await GivenOrganizationWithOwnerAsync();
            var person = await Members.AddAsync(first.Id, MemberRoles.Admin);

            var outcomes = await RunTogetherAsync(
                scope => scope.Memberships.RemoveMemberAsync(Actors.Of(firstOwner), first.Id, person.Id),
                scope => scope.Memberships.AddMemberAsync(Actors.Operator, second.Id, person.Email!, MemberRoles.Auditor, ExistingAccounts.AddDirectly, CancellationToken.None));

            Assert.All(outcomes, o => Assert.True(o.Succeeded, $"Round {round}: refused with {o.Refusal?.Code}."));
            Assert.Null(await LoadMembershipAsync(first.Id, person.Id));
            Assert.NotNull(await LoadMembershipAsync(second.Id, person.Id));
            var user = await LoadUserAsync(person.Id);
            Assert.True(user.State != UserState.Deactivated, $"Round {round}: a member of {second.Name} is Deactivated.");
        }
    }
}

public sealed class RemoveAddConcurrencyTestsOnSqlite(SqliteDatabaseFixture fixture)
    : RemoveAddConcurrencyTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class RemoveAddConcurrencyTestsOnPostgres(PostgresDatabaseFixture fixture)
    : RemoveAddConcurrencyTests(fixture), IClassFixture<PostgresDatabaseFixture>;
