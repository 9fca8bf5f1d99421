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

    /// <summary>Single sign-on settings; secrets under a key ring of this test run, DNS answered by <see cref="DomainRecords"/>.</summary>
    public KeyPortal.Core.SingleSignOn.SsoService Sso(KeyPortal.Core.SingleSignOn.IDomainRecordLookup? dns = null, bool allowHttp = false) =>
        new(Db, Audit, _clock, Secrets, Microsoft.Extensions.Options.Options.Create(new KeyPortal.Core.SingleSignOn.SsoOptions { AllowHttp = allowHttp }),
            dns ?? DomainRecords);

    public static KeyPortal.Core.SingleSignOn.SsoSecrets Secrets { get; } =
        new(new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider().CreateProtector(KeyPortal.Core.SingleSignOn.SsoSecrets.Purpose));

    /// <summary>TXT records this scope's DNS answers (narrow stand-in; the real resolver is tested against dnsmasq).</summary>
    public Dictionary<string, List<string>> TxtRecords { get; } = new(StringComparer.OrdinalIgnoreCase);

    private KeyPortal.Core.SingleSignOn.IDomainRecordLookup DomainRecords => new FixedRecords(TxtRecords);

    private sealed class FixedRecords(Dictionary<string, List<string>> records) : KeyPortal.Core.SingleSignOn.IDomainRecordLookup
    {
        public Task<IReadOnlyList<string>> TxtRecordsAsync(string domain, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<string>>(records.TryGetValue(domain, out var values) ? values : []);
    }

    /// <summary>What the services of this scope emailed.</summary>
    public KeyPortal.Core.Tests.Invitations.RecordingEmailSender Mail { get; } = new();

    public ValueTask DisposeAsync() => Db.DisposeAsync();
}
