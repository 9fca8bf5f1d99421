using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace KeyPortal.Core.Tests.Memberships;

/// <summary>
/// SPEC: every Customer organization keeps at least one Owner "even when two Owners act at the
/// same moment". Each Owner acts in a transaction of its own, on its own context and connection.
/// </summary>
public abstract class LastOwnerConcurrencyTests(DatabaseFixture fixture) : DatabaseTests(fixture)
{
    private const int Rounds = 10;

    public enum OwnerMove
    {
        Demote,
        Remove,
    }

    public static TheoryData<OwnerMove, OwnerMove> MovePairs() => new()
    {
        { OwnerMove.Demote, OwnerMove.Demote },
        { OwnerMove.Remove, OwnerMove.Remove },
        { OwnerMove.Demote, OwnerMove.Remove },
        { OwnerMove.Remove, OwnerMove.Demote },
    };

    [Fact]
    public Task TwoOwnersDemotingEachOtherAtOnce_ExactlyOneSucceeds() => RaceAsync(OwnerMove.Demote, OwnerMove.Demote);

    [Fact]
    public Task TwoOwnersRemovingEachOtherAtOnce_ExactlyOneSucceeds() => RaceAsync(OwnerMove.Remove, OwnerMove.Remove);

    [Fact]
    public Task OneOwnerDemotingWhileTheOtherRemoves_ExactlyOneSucceeds() => RaceAsync(OwnerMove.Demote, OwnerMove.Remove);

    /// <summary>
    /// The worst interleaving, forced rather than hoped for: A has locked the organization and
    /// counted two Owners but not committed; only then does B start. B must wait for A and then
    /// see A's result; without the lock B would also count two and the organization end with none.
    /// </summary>
    [Theory]
    [MemberData(nameof(MovePairs))]
    public async Task SecondOwnerStartingAfterTheFirstCountedOwners_WaitsAndIsRefused(OwnerMove moveOfA, OwnerMove moveOfB)
    {
        var (organization, a, b) = await GivenTwoOwnersAsync();
        var pauseA = new PauseAfterOwnerCount();
        var startOfB = new SignalOnTransactionStart();
        await using var scopeA = new CoreScope(CreateContext(pauseA), Clock);
        await using var scopeB = new CoreScope(CreateContext(startOfB), Clock);

        var taskA = Task.Run(() => Perform(scopeA, moveOfA, organization.Id, a, b));
        await pauseA.Counted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var taskB = Task.Run(() => Perform(scopeB, moveOfB, organization.Id, b, a));
        await startOfB.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await WaitUntilBlockedAsync(taskB);
        Assert.False(taskB.IsCompleted, "B finished while A still held the organization's lock.");
        pauseA.Release.SetResult();

        await taskA.WaitAsync(TimeSpan.FromSeconds(30));
        await DomainAssert.RefusedAsync("organization.last_owner", () => taskB.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, await CountOwnersAsync(organization.Id));
        Assert.Single(await ChangeEntriesAsync(organization.Id));
    }

    private async Task RaceAsync(OwnerMove moveOfA, OwnerMove moveOfB)
    {
        for (var round = 1; round <= Rounds; round++)
        {
            var (organization, a, b) = await GivenTwoOwnersAsync();

            var outcomes = await RunTogetherAsync(
                scope => Perform(scope, moveOfA, organization.Id, a, b),
                scope => Perform(scope, moveOfB, organization.Id, b, a));

            Assert.True(1 == outcomes.Count(o => o.Succeeded), $"Round {round}: {outcomes.Count(o => o.Succeeded)} of the two operations succeeded.");
            Assert.Equal("organization.last_owner", outcomes.Single(o => !o.Succeeded).Refusal?.Code);
            Assert.Equal(1, await CountOwnersAsync(organization.Id));
            Assert.Single(await ChangeEntriesAsync(organization.Id));
        }
    }

    private static Task Perform(CoreScope scope, OwnerMove move, Guid organizationId, User actor, User other) => move switch
    {
        OwnerMove.Demote => scope.Memberships.ChangeRolesAsync(Actors.Of(actor), organizationId, other.Id, MemberRoles.Admin),
        OwnerMove.Remove => scope.Memberships.RemoveMemberAsync(Actors.Of(actor), organizationId, other.Id),
        _ => throw new ArgumentOutOfRangeException(nameof(move)),
    };

    private async Task<(Organization Organization, User A, User B)> GivenTwoOwnersAsync()
    {
        var organization = await GivenOrganizationAsync();
        var a = await Members.AddAsync(organization.Id, MemberRoles.Owner);
        var b = await Members.AddAsync(organization.Id, MemberRoles.Owner);
        return (organization, a, b);
    }

    private async Task<List<AuditEntry>> ChangeEntriesAsync(Guid organizationId) =>
        (await AuditOfOrganizationAsync(organizationId))
            .Where(e => e.Action is AuditActions.MemberRolesChanged or AuditActions.MemberRemoved)
            .ToList();

    /// <summary>Returns once B waits for A's lock (PostgreSQL shows it; SQLite's busy wait does not) or has finished.</summary>
    private async Task WaitUntilBlockedAsync(Task operationOfB)
    {
        if (Database.Provider != DatabaseProvider.Postgres)
        {
            // B's BEGIN IMMEDIATE is retrying on SQLITE_BUSY; give it time to read, were it able to.
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            return;
        }

        await using var connection = new NpgsqlConnection(Database.Options.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!operationOfB.IsCompleted && (long)(await command.ExecuteScalarAsync())! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "B neither waited for A's lock nor finished.");
            await Task.Delay(20);
        }
    }

    private PortalDbContext CreateContext(IInterceptor interceptor) => Database.Provider switch
    {
        DatabaseProvider.Sqlite => new SqlitePortalDbContext(OptionsWith<SqlitePortalDbContext>(interceptor)),
        DatabaseProvider.Postgres => new PostgresPortalDbContext(OptionsWith<PostgresPortalDbContext>(interceptor)),
        _ => throw new InvalidOperationException($"Unknown provider {Database.Provider}."),
    };

    private DbContextOptions<T> OptionsWith<T>(IInterceptor interceptor)
        where T : DbContext
    {
        var builder = new DbContextOptionsBuilder<T>();
        PersistenceServiceCollectionExtensions.Configure(builder, Database.Options);
        builder.AddInterceptors(interceptor);
        return builder.Options;
    }

    /// <summary>Holds the transaction open right after its first Owner count, until released.</summary>
    private sealed class PauseAfterOwnerCount : DbCommandInterceptor
    {
        public TaskCompletionSource Counted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<DbDataReader> ReaderExecutedAsync(
            DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (!Counted.Task.IsCompleted
                && command.CommandText.Contains("COUNT(*)", StringComparison.OrdinalIgnoreCase)
                && command.CommandText.Contains("memberships", StringComparison.Ordinal))
            {
                Counted.SetResult();
                await Release.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            }

            return result;
        }
    }

    private sealed class SignalOnTransactionStart : DbTransactionInterceptor
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
            DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
        {
            Started.TrySetResult();
            return ValueTask.FromResult(result);
        }
    }
}

public sealed class LastOwnerConcurrencyTestsOnSqlite(SqliteDatabaseFixture fixture)
    : LastOwnerConcurrencyTests(fixture), IClassFixture<SqliteDatabaseFixture>;

public sealed class LastOwnerConcurrencyTestsOnPostgres(PostgresDatabaseFixture fixture)
    : LastOwnerConcurrencyTests(fixture), IClassFixture<PostgresDatabaseFixture>;
