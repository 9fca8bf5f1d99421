using KeyPortal.Core;
using KeyPortal.Core.Auditing;
using KeyPortal.Core.Resets;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KeyPortal.Admin.Operations;

/// <summary>How making an address a platform operator ended.</summary>
public enum OperatorGrantOutcome
{
    /// <summary>The account is an operator and was reset: its set-up link was emailed.</summary>
    SetUpLinkSent,

    /// <summary>Asked to leave an operator with a passkey alone, and it has one: nothing changed.</summary>
    HasPasskey,

    /// <summary>A set-up link is out already (the account is in state Reset): nothing sent.</summary>
    LinkSentEarlier,

    /// <summary>An existing account that is not an operator, and promoting was not asked for: nothing changed.</summary>
    NotAnOperator,

    /// <summary>The account's state allows no reset (Pending, Suspended, Deactivated): nothing changed.</summary>
    StateRefused,
}

/// <param name="State">The account's state when it was refused or left alone.</param>
/// <param name="ExpiresAt">When the set-up link stops working, when one was sent.</param>
public sealed record OperatorGrant(OperatorGrantOutcome Outcome, string Email, UserState? State = null, DateTimeOffset? ExpiresAt = null);

/// <summary>
/// Makes an address a platform operator (creating the account if needed) and emails it a set-up
/// link: an account reset, so every credential and session of the account ends. The operator
/// console admits operators signed in with a passkey only, and a password session may not enrol an
/// operator's passkey, so this is how the first operator of an installation, or one who lost every
/// key, gets in. The installation's commands only: no operator stands behind the call.
/// </summary>
public static class OperatorAccess
{
    /// <summary><paramref name="email"/> must be an email address (<see cref="EmailAddress.TryParse"/>).</summary>
    public static async Task<OperatorGrant> GrantAsync(
        IServiceProvider services, AuditActor actor, string email, bool ifNoPasskey, bool promoteExisting, string grantedBy,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(actor);
        var db = services.GetRequiredService<PortalDbContext>();
        var address = EmailAddress.Parse(email);
        var normalized = services.GetRequiredService<ILookupNormalizer>().NormalizeEmail(address);
        var clock = services.GetRequiredService<TimeProvider>();
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        if (user is null)
        {
            user = User.Create(address, normalized, UserState.Pending, clock.GetUtcNow());
            user.TransitionTo(UserState.Active, clock.GetUtcNow());
            db.Users.Add(user);
        }
        else if (ifNoPasskey && user.IsPlatformOperator && await db.PasskeyCredentials.AnyAsync(p => p.UserId == user.Id, cancellationToken))
        {
            return new OperatorGrant(OperatorGrantOutcome.HasPasskey, address, user.State);
        }
        else if (!user.IsPlatformOperator && !promoteExisting)
        {
            // A typo must not turn a customer into an operator (and wipe their credentials).
            return new OperatorGrant(OperatorGrantOutcome.NotAnOperator, address, user.State);
        }
        else if (user.State is not (UserState.Active or UserState.ActiveDemo or UserState.Reset))
        {
            // Checked before anything is granted: the reset would refuse this state.
            return new OperatorGrant(OperatorGrantOutcome.StateRefused, address, user.State);
        }

        if (!user.IsPlatformOperator)
        {
            user.IsPlatformOperator = true;
            services.GetRequiredService<AuditTrail>().Record(actor, AuditActions.OperatorGranted, null, user.Id,
                new { email = address, by = grantedBy });
        }

        await db.SaveChangesAsync(cancellationToken);
        if (user.State == UserState.Reset)
        {
            return new OperatorGrant(OperatorGrantOutcome.LinkSentEarlier, address, user.State);
        }

        var urls = services.GetRequiredService<IOptions<PublicUrlOptions>>().Value;
        var sent = await services.GetRequiredService<AccountResetService>().ResetUserAsync(actor, user.Id, null, urls.IdP, cancellationToken);
        return new OperatorGrant(OperatorGrantOutcome.SetUpLinkSent, address, UserState.Reset, sent.ExpiresAt);
    }
}
