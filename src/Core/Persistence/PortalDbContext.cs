using KeyPortal.Core.Invitations;
using KeyPortal.Core.Passkeys;
using KeyPortal.Core.Sessions;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;

namespace KeyPortal.Core.Persistence;

/// <summary>
/// The one database of the product. Provider-specific subclasses
/// (<see cref="SqlitePortalDbContext"/>, <see cref="PostgresPortalDbContext"/>) carry their own
/// migrations; everything else depends on this type.
/// </summary>
public abstract class PortalDbContext(DbContextOptions options)
    : IdentityUserContext<User, Guid>(options), IDataProtectionKeyContext
{
    public DbSet<Organization> Organizations => Set<Organization>();

    public DbSet<Membership> Memberships => Set<Membership>();

    public DbSet<PasskeyCredential> PasskeyCredentials => Set<PasskeyCredential>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<UserSession> UserSessions => Set<UserSession>();

    public DbSet<WebAuthnCeremony> WebAuthnCeremonies => Set<WebAuthnCeremony>();

    public DbSet<Invitation> Invitations => Set<Invitation>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<ApiTokens.ApiToken> ApiTokens => Set<ApiTokens.ApiToken>();

    public DbSet<Delivery.PurchaseOrder> PurchaseOrders => Set<Delivery.PurchaseOrder>();

    public DbSet<Delivery.PurchaseOrderLine> PurchaseOrderLines => Set<Delivery.PurchaseOrderLine>();

    public DbSet<Delivery.ShipmentRequest> ShipmentRequests => Set<Delivery.ShipmentRequest>();

    public DbSet<Delivery.ShipmentItem> ShipmentItems => Set<Delivery.ShipmentItem>();

    public DbSet<Delivery.IdempotentRequest> IdempotentRequests => Set<Delivery.IdempotentRequest>();

    private readonly List<Func<CancellationToken, Task>> _afterCommit = [];

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and commits it; on any exception
    /// nothing is written and the change tracker is cleared, so the context stays usable.
    /// Called inside another <see cref="InTransactionAsync{T}"/>, it joins that transaction
    /// (saving its changes, committing nothing), so services compose into one unit of work.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (Database.CurrentTransaction is not null)
        {
            // The outer call rolls back and clears the tracker if anything fails.
            var joined = await work(cancellationToken);
            await SaveChangesAsync(cancellationToken);
            return joined;
        }

        T outcome;
        await using (var transaction = await Database.BeginTransactionAsync(cancellationToken))
        {
            try
            {
                outcome = await work(cancellationToken);
                await SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch
            {
                await transaction.RollbackAsync(CancellationToken.None);
                ChangeTracker.Clear();
                _afterCommit.Clear();
                throw;
            }
        }

        // What waited for the commit (emails about the change), now that the change is there.
        // Taken off the context first: one that fails leaves nothing behind for a later commit.
        var waiting = _afterCommit.ToArray();
        _afterCommit.Clear();
        foreach (var next in waiting)
        {
            await next(cancellationToken);
        }

        return outcome;
    }

    /// <summary>
    /// Runs <paramref name="action"/> once what is being written is committed: at once when no
    /// transaction is open (the caller's own has committed), else after the outermost
    /// <see cref="InTransactionAsync{T}"/> commits, and never when it rolls back. So an email
    /// about a change is not sent for a change a surrounding unit of work (an idempotent API
    /// call, say) then undoes, and no lock is held while it is sent.
    /// </summary>
    public Task AfterCommitAsync(Func<CancellationToken, Task> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (Database.CurrentTransaction is null)
        {
            return action(cancellationToken);
        }

        _afterCommit.Add(action);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Runs a statement that writes without SaveChanges (<c>ExecuteUpdate</c>, raw SQL) in the turn
    /// SaveChanges takes on this database (SQLite's write gate); elsewhere it just runs it.
    /// </summary>
    public virtual Task<T> InWriteTurnAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return write();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);
        // OpenIddict's applications, authorizations, scopes and tokens, in the same database,
        // so revocation and refresh-token reuse detection are visible to every instance.
        builder.UseOpenIddict();

        builder.Entity<User>(user =>
        {
            user.ToTable("users", table => table.HasTrigger(MemberDirectoryColumns.UpdateTrigger));
            // One account per person: the email is unique, case-insensitively (normalized form).
            user.HasIndex(u => u.NormalizedEmail).IsUnique();
            user.Property(u => u.State).HasConversion<string>().HasMaxLength(16);
            user.Property(u => u.StateBeforeSuspension).HasConversion<string>().HasMaxLength(16);
            user.HasIndex(u => u.State);
            user.HasMany(u => u.Passkeys).WithOne().HasForeignKey(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");
        builder.Entity<DataProtectionKey>().ToTable("data_protection_keys");
    }
}

/// <summary>The embedded default: one SQLite file under <c>data/</c>.</summary>
public sealed class SqlitePortalDbContext(DbContextOptions<SqlitePortalDbContext> options) : PortalDbContext(options)
{
    /// <summary>
    /// The turn at the file, for a save that is not inside a transaction of the caller's (those
    /// already hold SQLite's lock, or will wait for it in SQLite: never for this gate as well).
    /// </summary>
    private SqliteWriteGate? Gate => Database.CurrentTransaction is null ? SqliteWriteGate.For(Database.GetConnectionString()) : null;

    public override int SaveChanges(bool acceptAllChangesOnSuccess) => Gate is { } gate
        ? gate.Run(() => base.SaveChanges(acceptAllChangesOnSuccess))
        : base.SaveChanges(acceptAllChangesOnSuccess);

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default) => Gate is { } gate
        ? gate.RunAsync(ct => base.SaveChangesAsync(acceptAllChangesOnSuccess, ct), cancellationToken)
        : base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);

    public override Task<T> InWriteTurnAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return Gate is { } gate ? gate.RunAsync(_ => write(), cancellationToken) : write();
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        // SQLite has no timestamp type that sorts and compares; store UTC ticks so ORDER BY and
        // range filters on times run in the database.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
    }
}

/// <summary>PostgreSQL, for scale-out deployments.</summary>
public sealed class PostgresPortalDbContext(DbContextOptions<PostgresPortalDbContext> options) : PortalDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // Byte order, as in SQLite: the member list's email prefix search is a range on this index.
        builder.Entity<Membership>().Property<string?>(MemberDirectoryColumns.Email).UseCollation("C");
    }
}
