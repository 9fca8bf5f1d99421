using KeyPortal.Core.Seeding;
using KeyPortal.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;

namespace KeyPortal.IdP.Tests.Support;

/// <summary>The identity provider in memory over a fresh database holding the demo data set.</summary>
public class IdpFactory : PortalAppFactory<Program>
{
    public const string Issuer = "http://localhost/";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var db = Database.CreateContext();
        var clock = TimeProvider.System;
        var audit = new Core.Auditing.AuditTrail(db, clock);
        var normalizer = new UpperInvariantLookupNormalizer();
        var seeder = new DemoSeeder(
            db,
            new Core.Organizations.OrganizationService(db, audit, clock),
            new Core.Memberships.MembershipService(db, audit, clock, normalizer),
            new PasswordHasher<Core.Users.User>(),
            normalizer,
            clock);
        await seeder.SeedAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("PublicUrls:IdP", Issuer);
        builder.UseSetting("Passkeys:Origins:0", "http://localhost");
        builder.UseSetting("IdentityProvider:RefreshTokenReuseLeeway", "00:00:00");
        // Every test request comes from one address; the per-account limit is tested on its own.
        builder.UseSetting("IdentityProvider:SignInAttemptsPerAddressPerMinute", "100000");
    }
}
