using KeyPortal.Core.Persistence;
using KeyPortal.Core.Sessions;
using KeyPortal.Core.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KeyPortal.TestSupport.RelyingParty;

/// <summary>IdP sessions in an app's database, as the IdP would leave them after a sign-in (people come from <see cref="Members"/>).</summary>
public sealed class SignedInUsers(IServiceProvider services)
{
    /// <summary>An IdP session of <paramref name="user"/>, live for <paramref name="lifetime"/> (8 hours by default).</summary>
    /// <param name="federatedBy">The organization whose identity provider made the session (single sign-on), if any.</param>
    public async Task<UserSession> StartSessionAsync(User user, TimeSpan? lifetime = null, string methods = "hwk user", Guid? federatedBy = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow();
        var session = new UserSession
        {
            Id = Guid.CreateVersion7(now),
            UserId = user.Id,
            AuthenticationMethods = methods,
            CreatedAt = now,
            LastSeenAt = now,
            AbsoluteExpiresAt = now + (lifetime ?? TimeSpan.FromHours(8)),
            // As the IdP does at sign-in: the session is good for the account's current stamp.
            SecurityStamp = await db.Users.Where(u => u.Id == user.Id).Select(u => u.SecurityStamp).SingleAsync(),
            FederatedOrganizationId = federatedBy,
        };
        db.UserSessions.Add(session);
        await db.SaveChangesAsync();
        return session;
    }

    /// <summary>What the IdP does at sign-out (and on reset, suspension...): the session ends.</summary>
    public async Task EndSessionAsync(UserSession session, string reason = "signed out")
    {
        ArgumentNullException.ThrowIfNull(session);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var stored = await db.UserSessions.SingleAsync(s => s.Id == session.Id);
        stored.EndedAt = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow();
        stored.EndReason = reason;
        await db.SaveChangesAsync();
    }

    /// <summary>Moves a user to another state (e.g. an operator suspends them).</summary>
    public async Task TransitionAsync(User user, UserState state)
    {
        ArgumentNullException.ThrowIfNull(user);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var stored = await db.Users.SingleAsync(u => u.Id == user.Id);
        stored.TransitionTo(state, scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow());
        await db.SaveChangesAsync();
    }

    public static IdentityClaims ClaimsOf(User user, UserSession session)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(session);
        return IdentityClaims.For(user.Id, user.Email!, session.Id);
    }
}
