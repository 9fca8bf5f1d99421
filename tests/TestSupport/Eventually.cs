using Xunit;

namespace KeyPortal.TestSupport;

/// <summary>Waits on a condition another thread or process makes true (a background sender, say): never a fixed sleep.</summary>
public static class Eventually
{
    /// <summary>Returns as soon as <paramref name="condition"/> holds; fails with <paramref name="what"/> after <paramref name="timeout"/> (15 s by default).</summary>
    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return HoldsAsync(() => Task.FromResult(condition()), what, timeout);
    }

    /// <inheritdoc cref="HoldsAsync(Func{bool}, string, TimeSpan?)"/>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(25);
        }
    }
}

/// <summary>The outbox seen from a test: counting what a mailbox received is exact only once nothing waits in it.</summary>
public static class OutboxChecks
{
    /// <summary>Waits until every queued email of <paramref name="database"/> was handed to the mail server.</summary>
    public static Task AllMailSentAsync(this TestDatabase database, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        return Eventually.HoldsAsync(async () =>
        {
            await using var db = database.CreateContext();
            return !await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(
                db.Set<Core.Mail.OutboxMessage>(), m => m.SentAt == null && m.GaveUpAt == null);
        }, "the outbox has sent every email", timeout);
    }
}
