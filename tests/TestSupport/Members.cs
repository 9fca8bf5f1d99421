using KeyPortal.Core.Auditing;
using KeyPortal.Core.Mail;
using KeyPortal.Core.Memberships;
using KeyPortal.Core.Organizations;
using KeyPortal.Core.Persistence;
using KeyPortal.Core.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.TestSupport;

/// <summary>
/// Arranges people in a given state through Core's own operations, so the arranged data obeys
/// the rules: a new account joins an organization (<see cref="MembershipService"/>) and then
/// walks the state machine to the state asked for (<see cref="UserAccountService"/>, audited),
/// as an operator would move it. The one way tests of every project build a member.
/// </summary>
/// <example><code>
/// var owner = await Members.In(host.Services).AddAsync(organization.Id, MemberRoles.Owner);
/// var suspended = await Members.In(database, clock).AddAsync(organization.Id, MemberRoles.Auditor, UserState.Suspended);
/// </code></example>
public sealed class Members
{
    private static readonly PasswordHasher<User> Hasher = new();
    private static readonly UpperInvariantLookupNormalizer Normalizer = new();

    private readonly Func<UnitOfWork> _open;
    private readonly TimeProvider _clock;
    private readonly AuditActor _actor;

    private Members(Func<UnitOfWork> open, TimeProvider clock, AuditActor actor)
    {
        _open = open;
        _clock = clock;
        _actor = actor;
    }

    /// <summary>Members of a running app, through its own database context and clock.</summary>
    public static Members In(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new Members(
            () =>
            {
                var scope = services.CreateAsyncScope();
                return new UnitOfWork(scope.ServiceProvider.GetRequiredService<PortalDbContext>(), scope);
            },
            services.GetRequiredService<TimeProvider>(),
            AuditActor.System);
    }

    /// <summary>Members of a test database with no app in front of it, at the time <paramref name="clock"/> tells.</summary>
    public static Members In(TestDatabase database, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(database);
        return new Members(
            () =>
            {
                var db = database.CreateContext();
                return new UnitOfWork(db, db);
            },
            clock,
            AuditActor.System);
    }

    /// <summary>The same builder, recording <paramref name="actor"/> (the system by default) in the audit trail.</summary>
    public Members As(AuditActor actor) => new(_open, _clock, actor);

    /// <summary>
    /// A new person with <paramref name="roles"/> in <paramref name="organizationId"/> (when null,
    /// a new Customer organization of their own named "Organization &lt;email&gt;"), moved to
    /// <paramref name="state"/>.
    /// </summary>
    /// <param name="email">Their address; a unique one when null. An account that already has it gets the membership (and the password) added.</param>
    /// <param name="password">A password they sign in with; none when null.</param>
    public async Task<User> AddAsync(
        Guid? organizationId,
        MemberRoles roles,
        UserState state = UserState.Active,
        string? email = null,
        string? password = null)
    {
        email ??= UniqueEmail();
        await using var unit = _open();
        var audit = new AuditTrail(unit.Db, _clock);
        var organization = organizationId
            ?? (await new OrganizationService(unit.Db, audit, _clock).CreateAsync(
                _actor, $"Organization {email}", $"org-{Guid.NewGuid():N}"[..24], OrganizationKind.Customer)).Id;
        var added = await new MembershipService(unit.Db, audit, _clock, Normalizer).AddMemberAsync(_actor, organization, email, roles);
        // The only Owner of an organization cannot be removed from it, so cannot become Deactivated that way.
        var removable = organizationId is not null || !roles.IsOwner;
        await MoveAsync(unit, audit, added.User.Id, state, removable ? organization : null);
        return await FinishAsync(unit, added.User.Id, password, isOperator: false);
    }

    /// <summary>
    /// A new account that belongs to no organization (as a platform operator's may), moved to
    /// <paramref name="state"/>; a platform operator when <paramref name="isOperator"/>.
    /// </summary>
    public async Task<User> AddWithoutOrganizationAsync(
        UserState state = UserState.Active, bool isOperator = false, string? email = null, string? password = null)
    {
        email ??= UniqueEmail();
        await using var unit = _open();
        var audit = new AuditTrail(unit.Db, _clock);
        // No Core operation creates an account outside an organization (the console's
        // operator-link does it in its own transaction); the account starts Pending as there.
        var user = User.Create(email, Normalizer.NormalizeEmail(email), UserState.Pending, _clock.GetUtcNow());
        unit.Db.Users.Add(user);
        await unit.Db.SaveChangesAsync();
        await MoveAsync(unit, audit, user.Id, state, removableFrom: null);
        return await FinishAsync(unit, user.Id, password, isOperator);
    }

    /// <summary>The shortest chain of allowed moves from one state to another (breadth-first over the state machine).</summary>
    private static List<UserState> PathBetween(UserState from, UserState to)
    {
        var previous = new Dictionary<UserState, UserState> { [from] = from };
        var queue = new Queue<UserState>([from]);
        while (queue.Count > 0 && !previous.ContainsKey(to))
        {
            var state = queue.Dequeue();
            foreach (var next in UserStateMachine.TargetsOf(state).Where(next => !previous.ContainsKey(next)))
            {
                previous[next] = state;
                queue.Enqueue(next);
            }
        }

        var path = new List<UserState>();
        for (var state = to; state != from; state = previous[state])
        {
            path.Insert(0, state);
        }

        return path;
    }

    private static string UniqueEmail() => $"member.{Guid.NewGuid():N}@example.com";

    /// <summary>
    /// Walks the state machine to <paramref name="state"/>. Deactivated means "removed from all
    /// organizations", so it is reached by removing the person from <paramref name="removableFrom"/>;
    /// where no removal can lead there (an account of no organization, the only Owner of one) the
    /// state machine's own move is made, as nothing in Core would.
    /// </summary>
    private async Task MoveAsync(UnitOfWork unit, AuditTrail audit, Guid userId, UserState state, Guid? removableFrom)
    {
        var accounts = new UserAccountService(unit.Db, audit, _clock, NoMail.Instance);
        var current = await unit.Db.Users.Where(u => u.Id == userId).Select(u => u.State).SingleAsync();
        foreach (var step in PathBetween(current, state))
        {
            if (step != UserState.Deactivated)
            {
                await accounts.ChangeStateAsync(_actor, userId, _ => step, "test arrangement");
            }
            else if (removableFrom is { } organization)
            {
                await new MembershipService(unit.Db, audit, _clock, Normalizer).RemoveMemberAsync(_actor, organization, userId);
            }
            else
            {
                var user = await unit.Db.Users.SingleAsync(u => u.Id == userId);
                user.TransitionTo(UserState.Deactivated, _clock.GetUtcNow());
                await unit.Db.SaveChangesAsync();
            }
        }
    }

    private static async Task<User> FinishAsync(UnitOfWork unit, Guid userId, string? password, bool isOperator)
    {
        var user = await unit.Db.Users.SingleAsync(u => u.Id == userId);
        if (password is not null)
        {
            user.PasswordHash = Hasher.HashPassword(user, password);
        }

        user.IsPlatformOperator = isOperator;
        await unit.Db.SaveChangesAsync();
        return user;
    }

    private sealed class UnitOfWork(PortalDbContext db, IAsyncDisposable lifetime) : IAsyncDisposable
    {
        public PortalDbContext Db { get; } = db;

        public ValueTask DisposeAsync() => lifetime.DisposeAsync();
    }

    /// <summary>The state moves used here send no email; nothing may be sent from an arrangement.</summary>
    private sealed class NoMail : IEmailSender
    {
        public static readonly NoMail Instance = new();

        public Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException($"Arranging a member sent an email: {message.Subject}");
    }
}
