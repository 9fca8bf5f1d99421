using KeyPortal.Core.Seeding;
using Microsoft.AspNetCore.Identity;

namespace KeyPortal.Core.Tests.Seeding;

/// <summary>The demo data goes through the same rules as real data, so it must obey them.</summary>
public abstract class DemoSeederTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    [Fact]
    public async Task Seed_CreatesTheListedAccountsInTheirStates_AndASecondRunChangesNothing()
    {
        Assert.True(await SeedAsync());

        await using (var db = Database.CreateContext())
        {
            var hasher = new PasswordHasher<User>();
            foreach (var account in DemoSeeder.Accounts)
            {
                var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == account.Email);
                Assert.Equal(account.State, UserStateNames.Display(user.State));
                Assert.Equal(account.HasPassword, user.HasPassword);
                if (account.HasPassword)
                {
                    Assert.NotEqual(
                        PasswordVerificationResult.Failed,
                        hasher.VerifyHashedPassword(user, user.PasswordHash!, DemoSeeder.DemoPassword));
                }
            }

            Assert.True(await db.Users.AnyAsync(u => u.Email == "operator@keyportal.example" && u.IsPlatformOperator));
            var customers = await db.Organizations.AsNoTracking().Where(o => o.Kind != OrganizationKind.Distributor).ToListAsync();
            Assert.NotEmpty(customers);
            foreach (var organization in customers)
            {
                Assert.True(await CountOwnersAsync(organization.Id) >= 1, $"{organization.Slug} has no Owner.");
            }
        }

        var afterFirstRun = await Database.SnapshotAsync();
        Assert.False(await SeedAsync());
        Assert.Equal(afterFirstRun, await Database.SnapshotAsync());
    }

    private async Task<bool> SeedAsync()
    {
        await using var scope = OpenScope();
        var seeder = new DemoSeeder(
            scope.Db, scope.Organizations, scope.Memberships, new PasswordHasher<User>(), new UpperInvariantLookupNormalizer(), Clock);
        return await seeder.SeedAsync();
    }
}

public sealed class DemoSeederTestsOnSqlite(SqliteDatabaseFixture fixture)
    : DemoSeederTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class DemoSeederTestsOnPostgres(PostgresDatabaseFixture fixture)
    : DemoSeederTests(fixture), IClassFixture<PostgresDatabaseFixture>;
