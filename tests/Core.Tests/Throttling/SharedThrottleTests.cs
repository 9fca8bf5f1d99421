using KeyPortal.Core.Throttling;

namespace KeyPortal.Core.Tests.Throttling;

/// <summary>
/// The database-held limit behind the sign-in limits: every context (as every instance) counts
/// against the same window, concurrent attempts pass exactly up to the limit, and the window
/// slides with refused attempts counted.
/// </summary>
public abstract class SharedThrottleTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Attempts_from_separate_connections_share_one_limit_and_other_keys_are_untouched()
    {
        var key = Guid.NewGuid().ToString();
        var results = new List<bool>();
        for (var i = 0; i < 5; i++)
        {
            results.Add(await AttemptAsync(key, permits: 3));
        }

        Assert.Equal([true, true, true, false, false], results);
        await using (var counters = Database.CreateContext())
        {
            // One past the limit and no further: a flood of refusals rewrites nothing.
            Assert.Equal(4, await counters.Set<ThrottleCounter>().Where(c => c.Key == SharedThrottle.KeyOf("test", key)).SumAsync(c => c.Count));
        }

        Assert.True(await AttemptAsync(Guid.NewGuid().ToString(), permits: 3));
        Assert.True(await AttemptAsync(key, permits: 3, scope: "another limit"));
        await using var db = Database.CreateContext();
        Assert.DoesNotContain(await db.Set<ThrottleCounter>().Select(c => c.Key).ToListAsync(), k => k.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_attempts_pass_exactly_up_to_the_limit()
    {
        var key = Guid.NewGuid().ToString();
        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => Task.Run(() => AttemptAsync(key, permits: 10))));

        Assert.Equal(10, results.Count(passed => passed));
    }

    [Fact]
    public async Task The_window_slides_a_slice_at_a_time_and_refused_attempts_count()
    {
        var key = Guid.NewGuid().ToString();
        Assert.True(await AttemptAsync(key, permits: 2));
        Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.True(await AttemptAsync(key, permits: 2));
        Assert.False(await AttemptAsync(key, permits: 2));

        // The first attempt's slice has left the window, but the refused attempt still counts.
        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.False(await AttemptAsync(key, permits: 2));

        // Once the attempts of minute 3 have left too, one passes again.
        Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.True(await AttemptAsync(key, permits: 2));
        Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.True(await AttemptAsync(key, permits: 2));
        Assert.True(await AttemptAsync(key, permits: 2));
        Assert.False(await AttemptAsync(key, permits: 2));
    }

    private async Task<bool> AttemptAsync(string key, int permits, string scope = "test")
    {
        await using var db = Database.CreateContext();
        return await new SharedThrottle(db, Clock).TryAcquireAsync(scope, key, permits, Window, slices: 5);
    }
}

public sealed class SharedThrottleTestsOnSqlite(SqliteDatabaseFixture fixture)
    : SharedThrottleTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class SharedThrottleTestsOnPostgres(PostgresDatabaseFixture fixture)
    : SharedThrottleTests(fixture), IClassFixture<PostgresDatabaseFixture>;
