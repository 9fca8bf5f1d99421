using System.Collections.Concurrent;
using System.Reflection;
using OpenIddict.EntityFrameworkCore.Models;

namespace KeyPortal.IdP.Connect;

/// <summary>Client applications as last read from the database, by client id; shared by all requests.</summary>
internal sealed class ApplicationSnapshots(TimeProvider time)
{
    /// <summary>How long a change made by another instance may go unseen here.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    private static readonly PropertyInfo[] Columns = [.. typeof(OpenIddictEntityFrameworkCoreApplication)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p is { CanRead: true, CanWrite: true } && (p.PropertyType == typeof(string) || p.PropertyType.IsValueType))];

    private readonly ConcurrentDictionary<string, (OpenIddictEntityFrameworkCoreApplication Application, long Expires)> _entries = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>Changes whenever the snapshots are cleared, so a read that raced a change is not remembered.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGet(string clientId, out OpenIddictEntityFrameworkCoreApplication application)
    {
        if (_entries.TryGetValue(clientId, out var entry) && time.GetTimestamp() < entry.Expires)
        {
            application = entry.Application;
            return true;
        }

        application = null!;
        return false;
    }

    public void Set(string clientId, OpenIddictEntityFrameworkCoreApplication application, long generation)
    {
        var expires = time.GetTimestamp() + (long)(Lifetime.TotalSeconds * time.TimestampFrequency);
        _entries[clientId] = (application, expires);
        if (Generation != generation)
        {
            // Cleared while we were reading: what we read may be the old row.
            _entries.TryRemove(clientId, out _);
        }
    }

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    /// <summary>A detached copy of the mapped columns (no navigations).</summary>
    public static OpenIddictEntityFrameworkCoreApplication Copy(OpenIddictEntityFrameworkCoreApplication source)
    {
        var copy = new OpenIddictEntityFrameworkCoreApplication();
        foreach (var column in Columns)
        {
            column.SetValue(copy, column.GetValue(source));
        }

        return copy;
    }
}
