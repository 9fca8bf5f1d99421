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

    /// <summary>Adds a new person with <paramref name="roles"/> and moves them to <paramref name="state"/>.</summary>
    protected async Task<User> GivenMemberAsync(
        Guid organizationId, MemberRoles roles, UserState state = UserState.Active, string? email = null)
    {
        await using var scope = OpenScope();
        var added = await scope.Memberships.AddMemberAsync(Actors.Operator, organizationId, email ?? Unique.Email(), roles);
        if (added.User.State != state)
        {
            await scope.Accounts.ChangeStateAsync(Actors.Operator, added.User.Id, _ => state, "test arrangement");
        }

        return added.User;
    }

    /// <summary>A Customer organization with one Active Owner, who is returned with it.</summary>
    protected async Task<(Organization Organization, User Owner)> GivenOrganizationWithOwnerAsync(
        OrganizationKind kind = OrganizationKind.Customer, bool sso = false)
    {
        var organization = await GivenOrganizationAsync(kind, sso);
        var owner = await GivenMemberAsync(organization.Id, MemberRoles.Owner);
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

    protected static string DetailOf(AuditEntry entry, string property)
    {
        using var details = JsonDocument.Parse(entry.Details);
        return details.RootElement.GetProperty(property).GetString()
            ?? throw new InvalidOperationException($"Audit detail '{property}' is null in {entry.Details}.");
    }
}
