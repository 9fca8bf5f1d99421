using Microsoft.AspNetCore.Identity;

namespace KeyPortal.Core.Tests.Support;

/// <summary>
/// One unit of work as an app's request has it: a context of its own and the Core services
/// built over it, constructed directly (no container) so a test sees every dependency.
/// </summary>
public sealed class CoreScope : IAsyncDisposable
{
    private readonly TimeProvider _clock;

    public CoreScope(PortalDbContext db, TimeProvider clock)
    {
        Db = db;
        _clock = clock;
        Audit = new AuditTrail(db, clock);
    }

    public PortalDbContext Db { get; }

    public AuditTrail Audit { get; }

    public MembershipService Memberships => new(Db, Audit, _clock, new UpperInvariantLookupNormalizer());

    public OrganizationService Organizations => new(Db, Audit, _clock);

    public UserAccountService Accounts => new(Db, Audit, _clock, Mail);

    /// <summary>What the services of this scope emailed.</summary>
    public KeyPortal.Core.Tests.Invitations.RecordingEmailSender Mail { get; } = new();

    public ValueTask DisposeAsync() => Db.DisposeAsync();
}
