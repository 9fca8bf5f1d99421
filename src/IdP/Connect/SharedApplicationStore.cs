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
/// Unknown client ids are never remembered. An id shaped like an API token's public id is no
/// row at all: it gets the application every API token client shares
/// (<see cref="ApiTokenClientCredentials.ApplicationFor"/>), and its secret check decides.
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
        if (ApiTokenClientCredentials.IsApiTokenClient(identifier))
        {
            return ApiTokenClientCredentials.ApplicationFor(identifier);
        }

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
