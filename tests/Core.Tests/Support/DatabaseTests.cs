using System.Text.Json;

namespace KeyPortal.Core.Tests.Support;

/// <summary>
/// Base of the suites that run against a real database: arranges organizations and members
/// through the Core services themselves (so the arranged data obeys the rules) and reads
/// results back through a fresh context (so a test sees what was committed, not what a
/// context remembers).
/// </summary>
public abstract class DatabaseTests(DatabaseFixture fixture)
{
    protected TestDatabase Database => fixture.Database;

    protected FakeTimeProvider Clock { get; } = TestClock.Create();

    protected CoreScope OpenScope() => new(Database.CreateContext(), Clock);

    protected async Task<Organization> GivenOrganizationAsync(OrganizationKind kind = OrganizationKind.Customer, bool sso = false)
    {
        await using var scope = OpenScope();
        var organization = await scope.Organizations.CreateAsync(Actors.Operator, "Acme Security", Unique.Slug("acme"), kind);
        if (sso)
        {
            organization.Sso.Enabled = true;
            await scope.Db.SaveChangesAsync();
        }

        return organization;
    }

    /// <summary>People arranged through Core's operations, recorded as done by an operator.</summary>
    protected Members Members => Members.In(Database, Clock).As(Actors.Operator);

    /// <summary>A Customer organization with one Active Owner, who is returned with it.</summary>
    protected async Task<(Organization Organization, User Owner)> GivenOrganizationWithOwnerAsync(
        OrganizationKind kind = OrganizationKind.Customer, bool sso = false)
    {
        var organization = await GivenOrganizationAsync(kind, sso);
        var owner = await Members.AddAsync(organization.Id, MemberRoles.Owner);
        return (organization, owner);
    }

    protected async Task<User> LoadUserAsync(Guid userId)
    {
        await using var db = Database.CreateContext();
        return await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId);
    }

    protected async Task<List<User>> LoadUsersByEmailAsync(string email)
    {
        var normalized = email.Trim().ToUpperInvariant();
        await using var db = Database.CreateContext();
        return await db.Users.AsNoTracking().Where(u => u.NormalizedEmail == normalized).ToListAsync();
    }

    protected async Task<Membership?> LoadMembershipAsync(Guid organizationId, Guid userId)
    {
        await using var db = Database.CreateContext();
        return await db.Memberships.AsNoTracking().SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.UserId == userId);
    }

    protected async Task<int> CountOwnersAsync(Guid organizationId)
    {
        await using var db = Database.CreateContext();
        return await db.Memberships.CountAsync(m => m.OrganizationId == organizationId && m.OrganizationRole == OrganizationRole.Owner);
    }

    /// <summary>Audit entries about <paramref name="userId"/> written after <paramref name="afterId"/>, oldest first.</summary>
    protected async Task<List<AuditEntry>> AuditAboutAsync(Guid userId, long afterId = 0)
    {
        await using var db = Database.CreateContext();
        return await db.AuditEntries.AsNoTracking().Where(a => a.TargetUserId == userId && a.Id > afterId).OrderBy(a => a.Id).ToListAsync();
    }

    protected async Task<List<AuditEntry>> AuditOfOrganizationAsync(Guid organizationId)
    {
        await using var db = Database.CreateContext();
        return await db.AuditEntries.AsNoTracking().Where(a => a.OrganizationId == organizationId).OrderBy(a => a.Id).ToListAsync();
    }

    protected async Task<long> LastAuditIdAsync()
    {
        await using var db = Database.CreateContext();
        return await db.AuditEntries.MaxAsync(a => (long?)a.Id) ?? 0;
    }

    /// <summary>Asserts the refusal by <paramref name="code"/> and that no table the domain writes changed.</summary>
    protected async Task<DomainError> AssertRefusedAndUnchangedAsync(string code, Func<Task> action)
    {
        var before = await Database.SnapshotAsync();
        var error = await DomainAssert.RefusedAsync(code, action);
        Assert.Equal(before, await Database.SnapshotAsync());
        return error;
    }

    /// <summary>
    /// Runs each operation in a task of its own, on a context and connection of its own, and
    /// releases them at the same instant once all are connected, so their transactions overlap
    /// as two browsers' requests would. A rule's refusal is returned, any other failure thrown.
    /// </summary>
    protected async Task<Outcome<T>[]> RunTogetherAsync<T>(params Func<CoreScope, Task<T>>[] operations)
    {
        var connected = 0;
        var allConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = operations.Select(operation => Task.Run(async () =>
        {
            await using var scope = OpenScope();
            try
            {
                await scope.Db.Database.OpenConnectionAsync();
            }
            finally
            {
                if (Interlocked.Increment(ref connected) == operations.Length)
                {
                    allConnected.SetResult();
                }
            }

            await go.Task;
            try
            {
                return new Outcome<T>(await operation(scope), null);
            }
            catch (DomainException refused)
            {
                return new Outcome<T>(default, refused.Error);
            }
        })).ToArray();

        await allConnected.Task.WaitAsync(TimeSpan.FromSeconds(30));
        go.SetResult();
        return await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
    }

    protected Task<Outcome<bool>[]> RunTogetherAsync(params Func<CoreScope, Task>[] operations) =>
        RunTogetherAsync(operations.Select(operation => (Func<CoreScope, Task<bool>>)(async scope =>
        {
            await operation(scope);
            return true;
        })).ToArray());

    protected static string DetailOf(AuditEntry entry, string property)
    {
        using var details = JsonDocument.Parse(entry.Details);
        return details.RootElement.GetProperty(property).GetString()
            ?? throw new InvalidOperationException($"Audit detail '{property}' is null in {entry.Details}.");
    }
}

/// <summary>What one of several concurrent operations came to: a value, or a rule's refusal.</summary>
public sealed record Outcome<T>(T? Value, DomainError? Refusal)
{
    public bool Succeeded => Refusal is null;
}
