using KeyPortal.Core.Persistence;

namespace KeyPortal.Core.Tests.Persistence;

/// <summary>The process-wide SQLite write turn: always given back, waited for with a bound, watched by readiness.</summary>
public sealed class SqliteWriteGateTests(SqliteDatabaseFixture fixture) : IClassFixture<SqliteDatabaseFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_save_that_ends_in_a_concurrency_conflict_gives_the_write_turn_back()
    {
        var userId = await GivenUserAsync();
        await using (var first = fixture.Database.CreateContext())
        await using (var second = fixture.Database.CreateContext())
        {
            var stale = await second.Users.SingleAsync(u => u.Id == userId);
            var fresh = await first.Users.SingleAsync(u => u.Id == userId);
            fresh.ConcurrencyStamp = Guid.NewGuid().ToString();
            await first.SaveChangesAsync();

            // What Identity's AccessFailedAsync does when another request updated the user first.
            stale.AccessFailedCount++;
            await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());
            Assert.Throws<DbUpdateConcurrencyException>(() => second.SaveChanges());
        }

        // Every later write of the process still gets its turn.
        await using var later = fixture.Database.CreateContext();
        var user = await later.Users.SingleAsync(u => u.Id == userId);
        user.AccessFailedCount = 2;
        Assert.Equal(1, await later.SaveChangesAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task A_write_that_cannot_get_its_turn_fails_after_the_timeout_and_readiness_reports_it()
    {
        // Made first: making a context applies the configured timeout to the gate.
        await using var db = fixture.Database.CreateContext();
        var gate = SqliteWriteGate.For(fixture.Database.Options.ConnectionString)!;
        var previous = gate.Timeout;
        var release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        SqliteWriteGate.For(fixture.Database.Options.ConnectionString, TimeSpan.FromMilliseconds(300));
        var holder = gate.RunAsync(async _ =>
        {
            entered.SetResult(true);
            return await release.Task;
        }, CancellationToken.None);
        try
        {
            await entered.Task.WaitAsync(Bound);
            db.Users.Add(User.Create("blocked@example.com", "BLOCKED@EXAMPLE.COM", UserState.Pending, DateTimeOffset.UtcNow));
            await Assert.ThrowsAsync<DatabaseBusyException>(() => db.SaveChangesAsync().WaitAsync(Bound));

            // Held past the write timeout: not ready, answered within the probe's bound.
            await WaitUntilAsync(() => gate.HeldFor > gate.Timeout);
            Assert.False(await DatabaseMigrator.CanWriteAsync(db, TimeSpan.FromSeconds(1)).WaitAsync(Bound));
        }
        finally
        {
            release.SetResult(true);
            await holder;
            SqliteWriteGate.For(fixture.Database.Options.ConnectionString, previous);
        }

        await using var after = fixture.Database.CreateContext();
        Assert.True(await DatabaseMigrator.CanWriteAsync(after, TimeSpan.FromSeconds(3)).WaitAsync(Bound));
    }

    private async Task<Guid> GivenUserAsync() =>
        (await Members.In(fixture.Database, TimeProvider.System).AddWithoutOrganizationAsync()).Id;

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Bound);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
