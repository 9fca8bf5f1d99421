// Measures the domain's database paths on SQLite and PostgreSQL side by side:
//   1. the live permission check every authorized request makes (one indexed query),
//      in an organization with many members;
//   2. adding members (one transaction each, organization lock + audit);
//   3. role changes racing on one organization (serialized by the organization lock);
//   4. the database work of a refused password sign-in by cause (wrong password of an existing
//      account, no such account, right password of a suspended account), interleaved: the
//      causes must cost the same, or the response time tells accounts apart.
// Usage: dotnet run -c Release -- [members=100000] [users]
using System.Diagnostics;
using System.Security.Claims;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Authorization;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using KeyPortal.TestSupport;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

var members = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
// "users" as the second argument measures the Users page and the console's search only.
var usersOnly = args.Length > 1 && args[1] == "users";
Console.WriteLine($"members per organization: {members:N0}; cores: {Environment.ProcessorCount}");
Console.WriteLine($"{"measure",-44} {"SQLite",14} {"PostgreSQL",14}");

var results = new Dictionary<DatabaseProvider, Dictionary<string, string>>();
foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
{
    await using var database = await TestDatabase.CreateAsync(provider);
    results[provider] = await Bench.RunAsync(database, members, usersOnly);
}

foreach (var key in results[DatabaseProvider.Sqlite].Keys)
{
    Console.WriteLine($"{key,-44} {results[DatabaseProvider.Sqlite][key],14} {results[DatabaseProvider.Postgres][key],14}");
}

internal static class Bench
{
    public static async Task<Dictionary<string, string>> RunAsync(TestDatabase database, int members, bool usersOnly)
    {
        var measures = new Dictionary<string, string>();
        var clock = TimeProvider.System;
        var normalizer = new UpperInvariantLookupNormalizer();

        Guid organizationId;
        Guid probeUser;
        await using (var db = database.CreateContext())
        {
            var organizations = new OrganizationService(db, new AuditTrail(db, clock), clock);
            var organization = await organizations.CreateAsync(AuditActor.System, "Bench", "bench", OrganizationKind.Customer);
            organizationId = organization.Id;
        }

        // Bulk load: the members exist before measuring, as in a large customer.
        var load = Stopwatch.StartNew();
        const int batch = 5_000;
        for (var offset = 0; offset < members; offset += batch)
        {
            await using var db = database.CreateContext();
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            var organization = await db.Organizations.SingleAsync(o => o.Id == organizationId);
            for (var i = offset; i < Math.Min(members, offset + batch); i++)
            {
                var email = $"member{i:D7}@bench.example";
                var user = User.Create(email, normalizer.NormalizeEmail(email), UserState.Pending, clock.GetUtcNow());
                user.TransitionTo(UserState.Active, clock.GetUtcNow());
                // Two members in three have signed in at some time in the last year; the rest never.
                if (i % 3 != 0)
                {
                    user.LastLoginAt = clock.GetUtcNow().AddMinutes(-((i * 7_919L) % 525_600));
                }

                db.Users.Add(user);
                var role = (i % 10) switch { 0 => OrganizationRole.Owner, < 4 => OrganizationRole.Admin, _ => OrganizationRole.Auditor };
                db.Add(Membership.Create(organization, user, new MemberRoles(role, ChannelRoles.None), clock.GetUtcNow()));
            }

            await db.SaveChangesAsync();
        }

        load.Stop();
        measures["bulk load (members/s)"] = $"{members / load.Elapsed.TotalSeconds:N0}";
        if (database.Provider == DatabaseProvider.Postgres)
        {
            // The state autovacuum keeps a loaded table in (the visibility map that lets a scan read
            // the index alone, planner statistics), instead of whenever it happens to run mid-measure.
            // Straight after the bulk insert the first pass leaves the pages not yet all-visible
            // (pg_class.relallvisible = 0 on PostgreSQL 15); the second sets them.
            await using var db = database.CreateContext();
            await db.Database.ExecuteSqlRawAsync("VACUUM ANALYZE memberships, users, passkey_credentials");
            await db.Database.ExecuteSqlRawAsync("VACUUM memberships, users");
        }

        await using (var db = database.CreateContext())
        {
            probeUser = await db.Memberships.Where(m => m.OrganizationId == organizationId).OrderBy(m => m.Id).Skip(members / 2).Select(m => m.UserId).FirstAsync();
        }

        // 1. The permission check as the apps run it: a scoped handler over a fresh context per request.
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddScoped<PortalDbContext>(_ => database.CreateContext());
        services.AddAuthorizationCore();
        services.AddPermissionPolicies();
        await using var provider = services.BuildServiceProvider();
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", probeUser.ToString())], "bench"));
        var resource = new OrganizationResource(organizationId);
        var policy = PermissionRequirement.PolicyName(Permission.ViewMembers);
        for (var i = 0; i < 200; i++)
        {
            await CheckAsync(provider, principal, resource, policy);
        }

        var latencies = new List<double>();
        for (var i = 0; i < 3_000; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await CheckAsync(provider, principal, resource, policy);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        latencies.Sort();
        measures["permission check p50 (µs)"] = $"{latencies[latencies.Count / 2]:N0}";
        measures["permission check p99 (µs)"] = $"{latencies[(int)(latencies.Count * 0.99)]:N0}";

        // 1b. The Users page: one page of 50 members, filtered, sorted and paged in the database;
        // p50 and p99 of 100 runs each after 10 to warm up.
        var listQueries = new (string Name, MemberQuery Query)[]
        {
            ("users page 1 by email", new MemberQuery()),
            ("users middle page by email", new MemberQuery(Page: members / 100)),
            ("users last page by email", new MemberQuery(Page: int.MaxValue)),
            ("users page 1 by email desc", new MemberQuery(Sort: MemberSort.EmailDescending)),
            ("users page 1 by last login desc", new MemberQuery(Sort: MemberSort.LastLoginDescending)),
            ("users middle page by last login desc", new MemberQuery(Sort: MemberSort.LastLoginDescending, Page: members / 100)),
            ("users last page by last login desc", new MemberQuery(Sort: MemberSort.LastLoginDescending, Page: int.MaxValue)),
            ("users page 1 by last login", new MemberQuery(Sort: MemberSort.LastLogin)),
            ("users email prefix search", new MemberQuery(EmailPrefix: $"member{members / 200:D5}")),
            ("users filter role Owner", new MemberQuery(Role: OrganizationRole.Owner)),
            ("users filter role Owner, last page", new MemberQuery(Role: OrganizationRole.Owner, Page: int.MaxValue)),
            ("users filter role Admin by last login desc", new MemberQuery(Role: OrganizationRole.Admin, Sort: MemberSort.LastLoginDescending)),
            ("users filter state Suspended", new MemberQuery(State: UserState.Suspended)),
            ("users filter state Active, middle page", new MemberQuery(State: UserState.Active, Page: members / 100)),
        };
        foreach (var (name, query) in listQueries)
        {
            var timings = new List<double>();
            for (var i = 0; i < 110; i++)
            {
                await using var db = database.CreateContext();
                var directory = new MemberDirectory(db, normalizer);
                var start = Stopwatch.GetTimestamp();
                var page = await directory.ListAsync(organizationId, query);
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (page.Rows.Count == 0 && query.State is not UserState.Suspended)
                {
                    throw new InvalidOperationException($"{name}: no rows");
                }

                if (i >= 10)
                {
                    timings.Add(elapsed);
                }
            }

            timings.Sort();
            measures[$"{name} p50 (ms)"] = $"{timings[timings.Count / 2]:N1}";
            measures[$"{name} p99 (ms)"] = $"{timings[(int)(timings.Count * 0.99)]:N1}";
        }

        // 1c. The console's search of every account by email prefix (position paging): p50 and
        // p99 of 100 runs each after 10 to warm up.
        // A page's cursor is the last email before it (the same text the search hands out).
        var middle = UserDirectory.EncodeAfter($"member{members / 2:D7}@bench.example".ToUpperInvariant());
        var last = UserDirectory.EncodeAfter($"member{Math.Max(0, members - UserDirectory.DefaultLimit - 1):D7}@bench.example".ToUpperInvariant());

        var searches = new (string Name, string? Prefix, string? After)[]
        {
            ("operators' user search, first page", null, null),
            ("operators' user search, middle page", null, middle),
            ("operators' user search, last page", null, last),
            ("operators' user search, email prefix", $"member{members / 200:D5}", null),
        };
        foreach (var (name, prefix, after) in searches)
        {
            var timings = new List<double>();
            for (var i = 0; i < 110; i++)
            {
                await using var db = database.CreateContext();
                var directory = new UserDirectory(db, normalizer, clock, KeyPortal.Core.Passkeys.AuthenticatorCatalog.LoadEmbedded());
                var start = Stopwatch.GetTimestamp();
                var page = await directory.SearchAsync(prefix, after, UserDirectory.DefaultLimit);
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (page.Rows.Count == 0)
                {
                    throw new InvalidOperationException($"{name}: no rows");
                }

                if (i >= 10)
                {
                    timings.Add(elapsed);
                }
            }

            timings.Sort();
            measures[$"{name} p50 (ms)"] = $"{timings[timings.Count / 2]:N1}";
            measures[$"{name} p99 (ms)"] = $"{timings[(int)(timings.Count * 0.99)]:N1}";
        }

        if (usersOnly)
        {
            return measures;
        }

        // 2. Adding members, one transaction each.
        const int adds = 300;
        var addWatch = Stopwatch.StartNew();
        for (var i = 0; i < adds; i++)
        {
            await using var db = database.CreateContext();
            var service = new MembershipService(db, new AuditTrail(db, clock), clock, normalizer);
            await service.AddMemberAsync(AuditActor.System, organizationId, $"added{i}@bench.example", MemberRoles.Auditor);
        }

        addWatch.Stop();
        measures["add member (ops/s, sequential)"] = $"{adds / addWatch.Elapsed.TotalSeconds:N0}";

        // 3. Role changes from 8 concurrent writers on one organization.
        List<Guid> targets;
        await using (var db = database.CreateContext())
        {
            targets = await db.Memberships.Where(m => m.OrganizationId == organizationId && m.OrganizationRole == OrganizationRole.Auditor)
                .OrderBy(m => m.Id).Take(400).Select(m => m.UserId).ToListAsync();
        }

        var raceWatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (userId, ct) =>
        {
            await using var db = database.CreateContext();
            var service = new MembershipService(db, new AuditTrail(db, clock), clock, normalizer);
            await service.ChangeRolesAsync(AuditActor.System, organizationId, userId, MemberRoles.Admin, ct);
        });
        raceWatch.Stop();
        measures["change roles (ops/s, 8 writers, one org)"] = $"{targets.Count / raceWatch.Elapsed.TotalSeconds:N0}";

        // 4. Refused password sign-ins, database work only (the hash costs the same by construction).
        var suspended = await database.CreateContext().Users.Where(u => u.Id != probeUser).OrderBy(u => u.Id).Select(u => u.Id).FirstAsync();
        await using (var db = database.CreateContext())
        {
            var user = await db.Users.SingleAsync(u => u.Id == suspended);
            user.TransitionTo(UserState.Suspended, clock.GetUtcNow());
            await db.SaveChangesAsync();
        }

        // No lockout: every round must do the work of its cause, not of a locked account.
        var identity = Microsoft.Extensions.Options.Options.Create(new IdentityOptions { Lockout = { MaxFailedAccessAttempts = int.MaxValue } });
        var probeEmail = await database.CreateContext().Users.Where(u => u.Id == probeUser).Select(u => u.NormalizedEmail!).SingleAsync();
        var suspendedEmail = await database.CreateContext().Users.Where(u => u.Id == suspended).Select(u => u.NormalizedEmail!).SingleAsync();
        var causes = new (string Name, Func<LegacyCredentials, Task> Run)[]
        {
            ("wrong password", c => c.RecordRefusedPasswordAsync(AuditActor.System, probeEmail, "sign-in", "wrong password")),
            ("unknown account", c => c.RecordRefusedPasswordAsync(AuditActor.System, "NOBODY@BENCH.EXAMPLE", "sign-in", "unknown account")),
            ("suspended, right password", c => c.RecordRefusedPasswordAsync(AuditActor.System, suspendedEmail, "sign-in", "state Suspended")),
        };
        var samples = causes.ToDictionary(c => c.Name, _ => new List<double>());
        var order = new Random(2026);
        for (var round = -50; round < 1_000; round++)
        {
            foreach (var (name, run) in causes.OrderBy(_ => order.Next()))
            {
                await using var db = database.CreateContext();
                var credentials = new LegacyCredentials(db, new AuditTrail(db, clock), identity, clock);
                var started = Stopwatch.GetTimestamp();
                await run(credentials);
                if (round >= 0)
                {
                    samples[name].Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                }
            }
        }

        foreach (var (name, values) in samples)
        {
            values.Sort();
            measures[$"refused sign-in: {name} p50 (µs)"] = $"{values[values.Count / 2]:N0}";
        }

        var medians = samples.Values.Select(v => v[v.Count / 2]).ToList();
        measures["refused sign-in: largest gap of p50 (µs)"] = $"{medians.Max() - medians.Min():N0}";
        return measures;
    }

    private static async Task CheckAsync(IServiceProvider provider, ClaimsPrincipal principal, OrganizationResource resource, string policy)
    {
        await using var scope = provider.CreateAsyncScope();
        var authorization = scope.ServiceProvider.GetRequiredService<IAuthorizationService>();
        var result = await authorization.AuthorizeAsync(principal, resource, policy);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("The probe member should hold the permission.");
        }
    }
}
