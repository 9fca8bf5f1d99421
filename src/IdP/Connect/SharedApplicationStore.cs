using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace KeyPortal.IdP.Connect;

/// <summary>
/// OpenIddict's EF Core application store, remembering client applications across requests
/// for a few seconds. OpenIddict's own application cache lives for one request only, so every
/// token request would otherwise query the applications table (a sixth of the CPU a
/// client_credentials token costs). Each request gets its own copy of the row, attached to its
/// context as if it had just been read, so nothing one request does to an entity reaches another.
/// A change made through OpenIddict's manager in this process forgets every remembered client at
/// once; a change made elsewhere (another instance) is seen within <see cref="ApplicationSnapshots.Lifetime"/>.
/// Unknown client ids are never remembered.
/// </summary>
internal sealed class SharedApplicationStore(
    IMemoryCache cache,
    IOpenIddictEntityFrameworkCoreContext context,
    IOptionsMonitor<OpenIddictEntityFrameworkCoreOptions> options,
    ApplicationSnapshots snapshots)
    : OpenIddictEntityFrameworkCoreApplicationStore(cache, context, options)
{
    public override async ValueTask<OpenIddictEntityFrameworkCoreApplication?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        var db = await Context.GetDbContextAsync(cancellationToken);
        if (snapshots.TryGet(identifier, out var snapshot))
        {
            return Track(db, snapshot);
        }

        var generation = snapshots.Generation;
        var application = await base.FindByClientIdAsync(identifier, cancellationToken);
        if (application is not null && db.Entry(application).State == EntityState.Unchanged)
        {
            snapshots.Set(identifier, ApplicationSnapshots.Copy(application), generation);
        }

        return application;
    }

    public override async ValueTask UpdateAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken)
    {
        snapshots.Clear();
        try
        {
            await base.UpdateAsync(application, cancellationToken);
        }
        finally
        {
            snapshots.Clear();
        }
    }

    public override async ValueTask DeleteAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken)
    {
        snapshots.Clear();
        try
        {
            await base.DeleteAsync(application, cancellationToken);
        }
        finally
        {
            snapshots.Clear();
        }
    }

    /// <summary>
    /// The entity this context already tracks for that row (what a tracking query would return),
    /// else a fresh copy of the snapshot, attached unchanged.
    /// </summary>
    private static OpenIddictEntityFrameworkCoreApplication Track(DbContext db, OpenIddictEntityFrameworkCoreApplication snapshot)
    {
        if (db.Set<OpenIddictEntityFrameworkCoreApplication>().Local.FindEntry(snapshot.Id!) is { } tracked)
        {
            return tracked.Entity;
        }

        var copy = ApplicationSnapshots.Copy(snapshot);
        db.Attach(copy);
        return copy;
    }
}

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
