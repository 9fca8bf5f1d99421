using System.Security.Cryptography;
using System.Text;

namespace KeyPortal.Core.Throttling;

/// <summary>
/// Attempts of one key (an account, an account from one address) in one slice of a sliding
/// window, in the database, so every instance over it counts against the same limit.
/// </summary>
public sealed class ThrottleCounter
{
    /// <summary>SHA-256 (hex) of the limit's scope and the key. Unsalted: it keeps emails and addresses out of sight, not out of reach of a reader who guesses them.</summary>
    public string Key { get; set; } = "";

    /// <summary>The slice's number: UTC ticks divided by the slice's length.</summary>
    public long Slice { get; set; }

    public int Count { get; set; }

    /// <summary>UTC ticks after which the slice is outside every window it can count in.</summary>
    public long ExpiresAt { get; set; }
}

/// <summary>
/// A sliding-window limit shared by every instance over one database: <c>permits</c> attempts
/// per <c>window</c>, counted in <c>slices</c> slices. An attempt increments its slice's row
/// with one upsert and reads the count back from it (<c>RETURNING</c>): the row lock orders
/// concurrent attempts of a key on every instance, so exactly <c>permits</c> of them pass.
/// The slices before it are summed from committed rows. Refused attempts count too (a slice
/// counts up to one past the limit), so a key held at its limit stays there until the attempts
/// stop. Expired slices are swept now and then.
/// </summary>
public sealed class SharedThrottle(PortalDbContext db, TimeProvider clock)
{
    /// <summary>One attempt in 64 also sweeps the expired slices of every key.</summary>
    private const int SweepOneIn = 64;

    /// <summary>Counts an attempt of <paramref name="key"/>; false when the window already held <paramref name="permits"/>.</summary>
    public async Task<bool> TryAcquireAsync(string scope, string key, int permits, TimeSpan window, int slices, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slices, 1);
        var sliceTicks = Math.Max(1, window.Ticks / slices);
        var now = clock.GetUtcNow().UtcTicks;
        var slice = now / sliceTicks;
        var first = slice - slices + 1;
        var expiresAt = (slice + slices) * sliceTicks;
        var id = KeyOf(scope, key);

        // A slice stops counting one past the limit: a flood of refused attempts then changes no
        // row (and cannot overflow the count); no row comes back, and the attempt is refused.
        // Its writes take SQLite's turn like any save (one writer at a time, in order).
        var counted = await db.InWriteTurnAsync(() => db.Database.SqlQuery<int>($"""
            INSERT INTO throttle_counters ("Key", "Slice", "Count", "ExpiresAt") VALUES ({id}, {slice}, 1, {expiresAt})
            ON CONFLICT ("Key", "Slice") DO UPDATE SET "Count" = throttle_counters."Count" + 1
            WHERE throttle_counters."Count" <= {permits}
            RETURNING "Count" AS "Value"
            """).ToListAsync(cancellationToken), cancellationToken);
        if (counted.Count == 0)
        {
            return false;
        }

        var earlier = await db.Set<ThrottleCounter>().AsNoTracking()
            .Where(c => c.Key == id && c.Slice >= first && c.Slice < slice)
            .SumAsync(c => c.Count, cancellationToken);

        if (Random.Shared.Next(SweepOneIn) == 0)
        {
            await db.InWriteTurnAsync(() => db.Set<ThrottleCounter>().Where(c => c.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken), cancellationToken);
        }

        return counted[0] + earlier <= permits;
    }

    /// <summary>The stored key of <paramref name="key"/> in <paramref name="scope"/>.</summary>
    internal static string KeyOf(string scope, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{scope}\n{key}")));
}
