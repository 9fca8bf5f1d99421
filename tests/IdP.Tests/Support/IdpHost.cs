using KeyPortal.Core.Memberships;
using KeyPortal.Core.Seeding;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace KeyPortal.IdP.Tests.Support;

/// <summary>
/// The identity provider in memory over a fresh database holding the demo data set, its mail
/// delivered to a real SMTP server the tests read. The one way to get a host:
/// <c>await using var host = await IdpHost.StartAsync(o => o.Setting("IdentityProvider:X", "y"));</c>
/// for a test that needs its own settings, <see cref="SharedIdp"/> for every other test.
/// Each start costs seconds.
/// </summary>
public sealed class IdpHost : IAsyncLifetime, IAsyncDisposable
{
    public const string Issuer = "http://localhost/";

    public static readonly Uri LinkBase = new(Issuer);

    private readonly IdpHostOptions _options;
    private readonly App _app;

    /// <summary>A host with the test defaults, for xunit to create as a fixture; <see cref="StartAsync"/> otherwise.</summary>
    public IdpHost()
        : this(new IdpHostOptions())
    {
    }

    private IdpHost(IdpHostOptions options)
    {
        _options = options;
        _app = new App(this);
    }

    public TestDatabase Database => _app.Database;

    /// <summary>Everything the app logged.</summary>
    public LogCapture Logs => _app.Logs;

    /// <summary>The inbox of every address the app mails.</summary>
    public Mailbox Mailbox { get; } = new();

    /// <summary>Where mail is written with <see cref="IdpHostOptions.DeliverMailToFiles"/>.</summary>
    public string MailDirectory => _app.MailDirectory;

    public IServiceProvider Services => _app.Services;

    /// <summary>People arranged in the app's database through Core's operations.</summary>
    public Members Members => Members.In(Services);

    /// <summary>Starts a host with the test defaults changed by <paramref name="configure"/>.</summary>
    public static async Task<IdpHost> StartAsync(Action<IdpHostOptions>? configure = null)
    {
        var options = new IdpHostOptions();
        configure?.Invoke(options);
        var host = new IdpHost(options);
        try
        {
            await host.InitializeAsync();
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>A client of the app; by default it follows redirects and keeps no cookies, like <see cref="WebApplicationFactory{T}.CreateClient()"/>.</summary>
    public HttpClient CreateClient(WebApplicationFactoryClientOptions? options = null) =>
        options is null ? _app.CreateClient() : _app.CreateClient(options);

    /// <summary>
    /// A new person who signs in with the demo password, with <paramref name="roles"/> (Admin by
    /// default) in the seeded organization <paramref name="organization"/>: for a test that
    /// changes the account or signs in often, so the seeded people stay as seeded for the others.
    /// </summary>
    public async Task<string> NewPersonAsync(string organization = "contoso", MemberRoles? roles = null, UserState state = UserState.Active)
    {
        Guid organizationId;
        await using (var db = Database.CreateContext())
        {
            organizationId = await db.Organizations.Where(o => o.Slug == organization).Select(o => o.Id).SingleAsync();
        }

        var person = await Members.AddAsync(
            organizationId, roles ?? MemberRoles.Admin, state, $"person-{Guid.NewGuid():N}@{organization}.example", DemoSeeder.DemoPassword);
        return person.Email!;
    }

    public async Task InitializeAsync()
    {
        await _app.InitializeAsync();
        await using (var db = Database.CreateContext())
        {
            var clock = TimeProvider.System;
            var audit = new Core.Auditing.AuditTrail(db, clock);
            var normalizer = new UpperInvariantLookupNormalizer();
            await new DemoSeeder(
                db,
                new Core.Organizations.OrganizationService(db, audit, clock),
                new MembershipService(db, audit, clock, normalizer),
                new PasswordHasher<User>(),
                normalizer,
                clock).SeedAsync();
        }

        foreach (var step in _options.BeforeStartSteps)
        {
            await step(Database);
        }

        // Started here, not on the first request: a start-up refusal is the start's failure.
        _ = _app.Services;
    }

    public async ValueTask DisposeAsync()
    {
        await ((IAsyncLifetime)_app).DisposeAsync();
        Mailbox.Dispose();
        foreach (var owned in _options.Owned)
        {
            owned.Dispose();
        }
    }

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    private sealed class App(IdpHost host) : KeyPortalAppFactory<Program>
    {
        protected override Core.Persistence.DatabaseProvider Provider => host._options.Provider;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            var options = host._options;
            builder.UseEnvironment(options.Environment);
            builder.UseSetting("PublicUrls:IdP", Issuer);
            builder.UseSetting("Passkeys:Origins:0", "http://localhost");
            builder.UseSetting("IdentityProvider:RefreshTokenReuseLeeway", "00:00:00");
            if (!options.MailToFiles)
            {
                foreach (var (key, value) in host.Mailbox.Settings)
                {
                    builder.UseSetting(key, value);
                }
            }

            // Every test request comes from one address, refused links too; each limit is tested
            // on its own, with its settings.
            builder.UseSetting("IdentityProvider:SignInAttemptsPerAddressPerMinute", "100000");
            builder.UseSetting("IdentityProvider:LinkRequestsPerAddressPerMinute", "100000");
            builder.UseSetting("IdentityProvider:RefusedLinksPerAddressPerMinute", "100000");
            builder.UseSetting("IdentityProvider:LinkRequestsPerLinkPerMinute", "100000");
            foreach (var (key, value) in options.Settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureServices(options.Apply);
        }
    }
}
