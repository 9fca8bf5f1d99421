namespace KeyPortal.Core.Tests.Persistence;

/// <summary>
/// What waits for a commit (an email about a change) runs once the outermost unit of work has
/// committed, when the change is visible to everyone, and never when it rolls back.
/// </summary>
public abstract class AfterCommitTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    [Fact]
    public async Task An_action_inside_nested_units_of_work_runs_after_the_outer_commit_and_sees_the_change()
    {
        var slug = Unique.Slug("after");
        bool? visibleWhenRun = null;
        await using var scope = OpenScope();

        await scope.Db.InTransactionAsync(async ct =>
        {
            await scope.Db.InTransactionAsync(async inner =>
            {
                await scope.Organizations.CreateAsync(Actors.Operator, "After commit", slug, OrganizationKind.Customer, inner);
                await scope.Db.AfterCommitAsync(async _ =>
                {
                    await using var other = Database.CreateContext();
                    visibleWhenRun = await other.Organizations.AnyAsync(o => o.Slug == slug, CancellationToken.None);
                }, inner);
                return true;
            }, ct);
            Assert.Null(visibleWhenRun);
            return true;
        });

        Assert.True(visibleWhenRun);
    }

    [Fact]
    public async Task An_action_of_a_unit_of_work_that_rolls_back_never_runs()
    {
        var ran = false;
        await using var scope = OpenScope();

        await Assert.ThrowsAsync<InvalidOperationException>(() => scope.Db.InTransactionAsync<bool>(async ct =>
        {
            await scope.Db.AfterCommitAsync(_ =>
            {
                ran = true;
                return Task.CompletedTask;
            }, ct);
            throw new InvalidOperationException("the surrounding work fails");
        }));
        await scope.Db.InTransactionAsync(_ => Task.FromResult(true));

        Assert.False(ran);
    }

    [Fact]
    public async Task Outside_a_transaction_an_action_runs_at_once()
    {
        var ran = false;
        await using var scope = OpenScope();

        await scope.Db.AfterCommitAsync(_ =>
        {
            ran = true;
            return Task.CompletedTask;
        });

        Assert.True(ran);
    }
}

public sealed class AfterCommitTestsOnSqlite(SqliteDatabaseFixture fixture)
    : AfterCommitTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class AfterCommitTestsOnPostgres(PostgresDatabaseFixture fixture)
    : AfterCommitTests(fixture), IClassFixture<PostgresDatabaseFixture>;
